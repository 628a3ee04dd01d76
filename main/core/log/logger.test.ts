import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLogger, formatRecord, logFileName } from './logger';

const at = new Date('2026-11-25T17:02:31.123Z');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hf-log-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

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
    const dir = tempDir();
    const logger = new FileLogger(dir, undefined, () => at);
    const seen: string[] = [];
    logger.follow((r) => seen.push(`${r.level} ${r.target} ${r.message}`));
    logger.log('warn', 'dev.a', 'token=abc');
    expect(seen).toEqual(['warn dev.a token=[REDACTED]']);
    expect(logger.tail(10)).toEqual([{ time: '2026-11-25T17:02:31.123Z', level: 'warn', target: 'dev.a', message: 'token=[REDACTED]' }]);
  });

  it('filters by RUST_LOG and redacts before writing', () => {
    const dir = tempDir();
    const logger = new FileLogger(dir, undefined, () => at);
    logger.log('debug', 'p', 'hidden');
    logger.log('info', 'p', 'Authorization: Bearer abc123');
    const text = readFileSync(join(dir, logFileName(at)), 'utf8');
    expect(text).not.toContain('hidden');
    expect(text).not.toContain('abc123');
    expect(text).toContain('Authorization: Bearer [REDACTED]');
  });
});
