import { describe, expect, it } from 'vitest';
import { bytesToJson, jsonToBytes } from './json-bytes';

describe('JSON text across the bridge', () => {
  it.each([
    ['ASCII', '{"text":"hello"}'],
    ['accented letters', '{"text":"déjà vu"}'],
    ['characters beyond the BMP', '{"text":"🦀 crab"}'],
    ['Latin-1 range characters that are not ASCII', '{"text":"\u00ff\u0080"}'],
    ['empty', ''],
  ])('encodes %s as UTF-8 and decodes it back unchanged', (_, json) => {
    const bytes = jsonToBytes(json);
    expect(bytes.equals(Buffer.from(json, 'utf8'))).toBe(true);
    const padded = Buffer.concat([bytes, Buffer.from('garbage after the end')]);
    expect(bytesToJson(padded, bytes.length)).toBe(json);
  });
});
