import { describe, expect, it } from 'vitest';
import { bytesToJson, jsonToBytes } from './json-bytes';

describe('JSON text as bytes', () => {
  it.each([
    ['ASCII', '{"text":"hello"}'],
    ['accented letters', '{"text":"déjà vu"}'],
    ['characters beyond the BMP', '{"text":"🦀 crab"}'],
    ['Latin-1 range characters that are not ASCII', '{"text":"\u00ff\u0080"}'],
    ['empty', ''],
  ])('encodes %s as UTF-8 and decodes it back unchanged', (_, json) => {
    const bytes = jsonToBytes(json);
    expect(bytes.equals(Buffer.from(json, 'utf8'))).toBe(true);
    expect(bytesToJson(bytes)).toBe(json);
  });

  it('reads only the bytes a view covers, as a Buffer or as a plain Uint8Array', () => {
    const whole = Buffer.from('xx{"a":1}yy');
    const view = whole.subarray(2, 9);
    expect(bytesToJson(view)).toBe('{"a":1}');
    expect(bytesToJson(new Uint8Array(whole.buffer, whole.byteOffset + 2, 7))).toBe('{"a":1}');
  });

});
