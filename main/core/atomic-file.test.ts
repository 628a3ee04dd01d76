import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../test/helpers/per-test';
import { readStateFile } from './atomic-file';

const at = new Date('2026-12-01T10:00:00.000Z');
const parse = (text: string) => {
  const v = JSON.parse(text) as { version?: number };
  if (v.version !== 1) throw new Error('unexpected structure');
  return v;
};

describe('a state file of the data folder', () => {
  it('is nothing at all when it does not exist', () => {
    expect(readStateFile(join(scratchHome(), 'x.json'), parse, at, 'x starts empty')).toEqual({});
  });

  it('reads as its parser says', () => {
    const path = join(scratchHome(), 'x.json');
    writeFileSync(path, '{"version":1}');
    expect(readStateFile(path, parse, at, 'x starts empty')).toEqual({ value: { version: 1 } });
  });

  it('is moved aside, kept as it was, when it cannot be read, and says so', () => {
    const path = join(scratchHome(), 'x.json');
    writeFileSync(path, '{"version":2}');
    const aside = `${path}.corrupt-2026-12-01T10-00-00-000Z`;
    expect(readStateFile(path, parse, at, 'x starts empty')).toEqual({ problem: `${path} could not be read (unexpected structure); it was moved to ${aside} and x starts empty` });
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(aside, 'utf8')).toBe('{"version":2}');
  });
});
