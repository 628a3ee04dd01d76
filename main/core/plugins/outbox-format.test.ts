import { describe, expect, it } from 'vitest';
import { decodeOutbox, encodeResults } from './outbox-format';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('a batch from a plugin host', () => {
  it('carries control messages as JSON and results as they were written', () => {
    const batch = encodeResults([
      { id: 7, ok: true, text: '{"echo":[1,"é"]}' },
      { id: 8, ok: false, text: 'Not found: x' },
    ]);
    const d = decodeOutbox(batch);
    if (!d.ok) throw new Error(d.problem);
    expect(text(d.control)).toBe('[]');
    expect(d.results.map((r) => [r.id, r.ok, text(r.bytes)])).toEqual([
      [7, true, '{"echo":[1,"é"]}'],
      [8, false, 'Not found: x'],
    ]);
  });

  it('refuses a batch whose lengths lie', () => {
    const good = encodeResults([{ id: 1, ok: true, text: 'null' }]);
    expect(decodeOutbox(good.subarray(0, 3))).toEqual({ ok: false, problem: 'a batch shorter than its header' });
    const longControl = good.slice();
    new DataView(longControl.buffer).setUint32(0, 1000, true);
    expect(decodeOutbox(longControl)).toEqual({ ok: false, problem: 'a batch whose control part runs past its end' });
    expect(decodeOutbox(good.subarray(0, good.length - 2))).toEqual({ ok: false, problem: 'a batch with a malformed result' });
    expect(decodeOutbox(good.subarray(0, 8))).toEqual({ ok: false, problem: 'a batch with a truncated result' });
    const badFlag = good.slice();
    badFlag[10] = 7;
    expect(decodeOutbox(badFlag)).toEqual({ ok: false, problem: 'a batch with a malformed result' });
  });
});
