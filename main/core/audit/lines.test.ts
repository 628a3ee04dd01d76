import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import { forEachLine } from './lines';

function file(content: string | Buffer): string {
  const dir = scratchHome();
  const path = join(dir, 'audit.jsonl');
  writeFileSync(path, content);
  return path;
}
const linesOf = (path: string, chunkBytes?: number) => {
  const out: string[] = [];
  forEachLine(path, (l) => out.push(l), chunkBytes);
  return out;
};

describe('reading the audit file a line at a time', () => {
  it('gives every line, whatever size the chunks are', () => {
    const text = ['{"a":1}', '{"b":"two"}', '', '{"c":[3,3,3]}'].join('\n') + '\n';
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) expect(linesOf(file(text), size)).toEqual(['{"a":1}', '{"b":"two"}', '', '{"c":[3,3,3]}']);
  });

  it('keeps characters whole when a chunk ends inside one', () => {
    // "é" and "🔒" are 2 and 4 bytes in UTF-8: chunks of 1 to 5 bytes cut them everywhere.
    const text = '{"reason":"café 🔒"}\n{"reason":"ok"}\n';
    for (const size of [1, 2, 3, 4, 5]) expect(linesOf(file(text), size)).toEqual(['{"reason":"café 🔒"}', '{"reason":"ok"}']);
  });

  it('passes on a last line torn by a crash, without its newline', () => {
    expect(linesOf(file('{"a":1}\n{"b":'), 4)).toEqual(['{"a":1}', '{"b":']);
  });

  it('reads an empty file as no lines', () => {
    expect(linesOf(file(''))).toEqual([]);
  });
});
