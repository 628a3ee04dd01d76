import { isAscii } from 'node:buffer';

/**
 * JSON text to and from the bytes the host bridge reads and writes. JSON is nearly always ASCII,
 * and for ASCII the Latin-1 conversions give the same bytes as UTF-8 while Node does them as a
 * plain copy instead of transcoding: a megabyte of arguments or results crosses in a third of the
 * time. Anything else goes through UTF-8.
 */
export function jsonToBytes(json: string): Buffer {
  return Buffer.byteLength(json, 'utf8') === json.length ? Buffer.from(json, 'latin1') : Buffer.from(json, 'utf8');
}

export function bytesToJson(bytes: Buffer, length: number): string {
  const view = bytes.subarray(0, length);
  return isAscii(view) ? view.toString('latin1') : view.toString('utf8');
}
