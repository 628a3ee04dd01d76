import { describe, expect, it } from 'vitest';
import { claimBodies, decodeOutbox, encodeResults } from './outbox-format';

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

  it('carries the body of a host call apart from the results, and only one per call', () => {
    const batch = encodeResults([
      { id: 3, ok: true, text: '{"n":1}' },
      { id: 4, ok: true, text: 'null' },
    ]);
    batch[10] = 2; // the first payload is the body of host call 3
    const d = decodeOutbox(batch);
    if (!d.ok) throw new Error(d.problem);
    expect([...d.bodies].map(([id, b]) => [id, text(b)])).toEqual([[3, '{"n":1}']]);
    expect(d.results.map((r) => r.id)).toEqual([4]);
    const twice = encodeResults([
      { id: 3, ok: true, text: '1' },
      { id: 3, ok: true, text: '2' },
    ]);
    twice[10] = 2;
    twice[10 + 9 + 1] = 2;
    expect(decodeOutbox(twice)).toEqual({ ok: false, problem: 'a batch with two bodies for host call 3' });
  });
});

describe('the bodies of HTTP requests in a batch', () => {
  const body = new TextEncoder().encode('{"n":1}');

  it('go to the POSTs they belong to', () => {
    const post: { type: string; id: number; method: string; body?: Uint8Array } = { type: 'http', id: 5, method: 'POST' };
    expect(claimBodies([{ type: 'log' }, post, { type: 'http', id: 6, method: 'GET' }], new Map([[5, body]]))).toBeUndefined();
    expect(post.body).toBe(body);
  });

  it.each([
    ['a POST without its body', [{ type: 'http', id: 5, method: 'POST' }], new Map<number, Uint8Array>(), 'an HTTP POST (host call 5) without its body'],
    ['a GET with a body', [{ type: 'http', id: 5, method: 'GET' }], new Map([[5, body]]), 'an HTTP GET (host call 5) with a body'],
    ['a body nobody asked for', [{ type: 'fs', id: 5 }], new Map([[5, body]]), 'a body for host call 5, which no request of its batch makes'],
  ])('make the batch a lie when there is %s', (_what, messages, bodies, problem) => {
    expect(claimBodies(messages, bodies)).toBe(problem);
  });
});
