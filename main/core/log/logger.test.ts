import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import { FileLogger, formatRecord, logFileName } from './logger';

const at = new Date('2026-11-25T17:02:31.123Z');

describe('the app log', () => {
  it('names one file per day', () => {
    expect(logFileName(at)).toBe('haloforge.log.2026-11-25');
  });

  it('writes one line per record with time, level and target', () => {
    expect(formatRecord(at, 'info', 'dev.example.my-plugin', 'started')).toBe('2026-11-25T17:02:31.123Z  INFO dev.example.my-plugin: started\n');
  });

  it('cannot be tricked into writing a second line', () => {
    expect(formatRecord(at, 'warn', 'p', 'a\nFAKE ERROR x: y')).toBe('2026-11-25T17:02:31.123Z  WARN p: a\\nFAKE ERROR x: y\n');
  });

  it('reads its lines back and tells followers of new ones', () => {
    const dir = scratchHome();
    const logger = new FileLogger(dir, undefined, () => at);
    const seen: string[] = [];
    logger.follow((r) => seen.push(`${r.level} ${r.target} ${r.message}`));
    logger.log('warn', 'dev.a', 'token=abc');
    expect(seen).toEqual(['warn dev.a token=[REDACTED]']);
    expect(logger.tail(10)).toEqual([{ time: '2026-11-25T17:02:31.123Z', level: 'warn', target: 'dev.a', message: 'token=[REDACTED]' }]);
  });

  it('filters by RUST_LOG and redacts before writing', () => {
    const dir = scratchHome();
    const logger = new FileLogger(dir, undefined, () => at);
    logger.log('debug', 'p', 'hidden');
    logger.log('info', 'p', 'Authorization: Bearer abc123');
    const text = readFileSync(join(dir, logFileName(at)), 'utf8');
    expect(text).not.toContain('hidden');
    expect(text).not.toContain('abc123');
    expect(text).toContain('Authorization: Bearer [REDACTED]');
  });
});
