import { isAscii } from 'node:buffer';

/**
 * JSON text as the UTF-8 bytes that cross between main, the plugin host and the host bridge. Bytes
 * rather than strings because V8 serialization, which carries messages to a plugin host, copies a
 * megabyte of bytes in half the time of a string, and the bridge reads bytes anyway. JSON is nearly
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

/**
 * The same memory as a Buffer. A Buffer sent through V8 serialization arrives as a plain
 * Uint8Array; this wraps it without copying.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * JSON as it crosses the boundary between main and a plugin host: short text as a string, long
 * text as bytes. V8 serialization copies long byte arrays in half the time of strings, but converts
 * each byte array through JavaScript on both sides, which costs more than a short string does.
 */
export type JsonWire = string | Uint8Array;

const BYTES_FROM = 16 * 1024;

export function textToWire(json: string): JsonWire {
  return json.length < BYTES_FROM ? json : jsonToBytes(json);
}

/** A view of bytes that will be reused: long ones go as they are, since sending copies them at once. */
export function bytesToWire(bytes: Buffer): JsonWire {
  return bytes.length < BYTES_FROM ? bytesToJson(bytes) : bytes;
}

export function wireToText(wire: JsonWire): string {
  return typeof wire === 'string' ? wire : bytesToJson(wire);
}

export function wireToBytes(wire: JsonWire): Buffer {
  return typeof wire === 'string' ? jsonToBytes(wire) : asBuffer(wire);
}

/**
 * Bytes that are not text (the bridge's binary batches, see plugins/outbox-format; brokered response
 * bodies) as they cross between main and a plugin host: short ones as a Latin-1 string (one character per byte, which V8 copies cheaply), long ones
 * as bytes.
 */
export type BinaryWire = string | Uint8Array;

export function binaryToWire(bytes: Uint8Array): BinaryWire {
  return bytes.length < BYTES_FROM ? asBuffer(bytes).toString('latin1') : bytes;
}

export function wireToBinary(wire: BinaryWire): Buffer {
  return typeof wire === 'string' ? Buffer.from(wire, 'latin1') : asBuffer(wire);
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
