/**
 * What a plugin host forwards from the bridge's outbox (native/host-bridge/src/outbox.rs): a `u32`
 * length, that many bytes of a JSON array of control messages, then each payload as an id (`u32`),
 * its kind (`u8`), the length of its bytes (`u32`) and the bytes, all little-endian. Kind 1 is the
 * result of request `id` (the value's JSON), 0 its error's text, 2 the body of host call `id` (a
 * POST's JSON). Main parses the control messages and only routes the payloads: a value is parsed
 * where it is used, if anywhere.
 */
export interface RawResult {
  id: number;
  ok: boolean;
  /** The value's JSON (ok) or the error's text, as UTF-8; a view into the batch. */
  bytes: Uint8Array;
}

export type DecodedOutbox =
  | { ok: true; control: Uint8Array; results: RawResult[]; /** Bodies of host calls, by the call's id. */ bodies: Map<number, Uint8Array> }
  | { ok: false; problem: string };

const ERROR = 0;
const VALUE = 1;
const BODY = 2;

export function decodeOutbox(batch: Uint8Array): DecodedOutbox {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  if (batch.byteLength < 4) return { ok: false, problem: 'a batch shorter than its header' };
  const controlLength = view.getUint32(0, true);
  if (4 + controlLength > batch.byteLength) return { ok: false, problem: 'a batch whose control part runs past its end' };
  const results: RawResult[] = [];
  const bodies = new Map<number, Uint8Array>();
  for (let at = 4 + controlLength; at < batch.byteLength; ) {
    if (at + 9 > batch.byteLength) return { ok: false, problem: 'a batch with a truncated result' };
    const id = view.getUint32(at, true);
    const kind = view.getUint8(at + 4);
    const length = view.getUint32(at + 5, true);
    if (kind > BODY || at + 9 + length > batch.byteLength) return { ok: false, problem: 'a batch with a malformed result' };
    const bytes = batch.subarray(at + 9, at + 9 + length);
    if (kind !== BODY) results.push({ id, ok: kind === VALUE, bytes });
    else if (bodies.has(id)) return { ok: false, problem: `a batch with two bodies for host call ${id}` };
    else bodies.set(id, bytes);
    at += 9 + length;
  }
  return { ok: true, control: batch.subarray(4, 4 + controlLength), results, bodies };
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
    view.setUint8(at + 4, r.ok ? VALUE : ERROR);
    view.setUint32(at + 5, r.bytes.length, true);
    out.set(r.bytes, at + 9);
    at += 9 + r.bytes.length;
  }
  return out;
}

/**
 * Gives each HTTP request of a batch the body the bridge sent beside it: a POST has exactly one, a
 * GET none, and every body belongs to a request of its batch. Anything else means the batch lies.
 */
export function claimBodies(messages: ReadonlyArray<{ type: string; id?: number; method?: string; body?: Uint8Array }>, bodies: ReadonlyMap<number, Uint8Array>): string | undefined {
  const unclaimed = new Map(bodies);
  for (const m of messages) {
    if (m.type !== 'http' || m.id === undefined) continue;
    const body = unclaimed.get(m.id);
    unclaimed.delete(m.id);
    if (m.method === 'POST' && !body) return `an HTTP POST (host call ${m.id}) without its body`;
    if (m.method !== 'POST' && body) return `an HTTP ${String(m.method)} (host call ${m.id}) with a body`;
    if (body) m.body = body;
  }
  const [stray] = unclaimed.keys();
  return stray === undefined ? undefined : `a body for host call ${stray}, which no request of its batch makes`;
}
