/**
 * What a plugin host forwards from the bridge's outbox (native/host-bridge/src/outbox.rs): a `u32`
 * length, that many bytes of a JSON array of control messages, then each result as its request id
 * (`u32`), ok (`1`/`0`), the length of its bytes (`u32`) and the bytes (the value's JSON, or the
 * error's text), all little-endian. Main parses the control messages and only routes the results:
 * a value is parsed where it is used, if anywhere.
 */
export interface RawResult {
  id: number;
  ok: boolean;
  /** The value's JSON (ok) or the error's text, as UTF-8; a view into the batch. */
  bytes: Uint8Array;
}

export type DecodedOutbox = { ok: true; control: Uint8Array; results: RawResult[] } | { ok: false; problem: string };

export function decodeOutbox(batch: Uint8Array): DecodedOutbox {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  if (batch.byteLength < 4) return { ok: false, problem: 'a batch shorter than its header' };
  const controlLength = view.getUint32(0, true);
  if (4 + controlLength > batch.byteLength) return { ok: false, problem: 'a batch whose control part runs past its end' };
  const results: RawResult[] = [];
  for (let at = 4 + controlLength; at < batch.byteLength; ) {
    if (at + 9 > batch.byteLength) return { ok: false, problem: 'a batch with a truncated result' };
    const id = view.getUint32(at, true);
    const flag = view.getUint8(at + 4);
    const length = view.getUint32(at + 5, true);
    if (flag > 1 || at + 9 + length > batch.byteLength) return { ok: false, problem: 'a batch with a malformed result' };
    results.push({ id, ok: flag === 1, bytes: batch.subarray(at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return { ok: true, control: batch.subarray(4, 4 + controlLength), results };
}

/** A batch holding results only, in the same format (answers the plugin host makes itself). */
export function encodeResults(results: ReadonlyArray<{ id: number; ok: boolean; text: string }>): Uint8Array {
  const encoded = results.map((r) => ({ ...r, bytes: new TextEncoder().encode(r.text) }));
  const out = new Uint8Array(4 + 2 + encoded.reduce((n, r) => n + 9 + r.bytes.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, 2, true);
  out.set([0x5b, 0x5d], 4); // "[]"
  let at = 6;
  for (const r of encoded) {
    view.setUint32(at, r.id, true);
    view.setUint8(at + 4, r.ok ? 1 : 0);
    view.setUint32(at + 5, r.bytes.length, true);
    out.set(r.bytes, at + 9);
    at += 9 + r.bytes.length;
  }
  return out;
}
