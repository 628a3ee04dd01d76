import { isAscii } from 'node:buffer';

/**
 * JSON text as the UTF-8 bytes that cross between main, the plugin host and the host bridge. Bytes
 * rather than strings because frames carry bytes as they are (see plugins/frames), where a string
 * would be escaped into the frame's JSON, and the bridge reads bytes anyway. JSON is nearly
 * always ASCII, and for ASCII the Latin-1 conversions give the same bytes as UTF-8 while Node does
 * them as a plain copy instead of transcoding; anything else goes through UTF-8.
 */
export function jsonToBytes(json: string): Buffer {
  return Buffer.byteLength(json, 'utf8') === json.length ? Buffer.from(json, 'latin1') : Buffer.from(json, 'utf8');
}

export function bytesToJson(bytes: Uint8Array): string {
  const view = asBuffer(bytes);
  return isAscii(view) ? view.toString('latin1') : view.toString('utf8');
}

/** The same memory as a Buffer (a plain Uint8Array is wrapped, not copied). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * JSON that main passes on without parsing (a plugin's answer on its way to a panel or the command
 * line): the carriers write it into their replies as it is; whoever uses the value parses it.
 */
export class RawJson {
  constructor(readonly text: string) {}

  value(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * The JSON of a carrier's answer to request `id`: a plugin's raw answer written in as it came (line
 * breaks, which JSON allows only between tokens, made spaces so the answer stays one line), anything
 * else serialised. A raw answer that is not JSON fails where it is parsed: in the panel or the
 * command line, which say so.
 */
export function answerJson(id: number, result: unknown): string {
  if (result instanceof RawJson) return `{"id":${id},"ok":true,"result":${result.text.replace(/[\r\n]/g, ' ')}}`;
  return JSON.stringify({ id, ok: true, result: result ?? null });
}
