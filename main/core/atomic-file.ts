import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `content` so that a crash leaves either the old file or the new one, never
 * half of either: write a temporary file beside it, fsync it, rename it over, fsync the folder.
 */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * Reads a state file of the data folder with `parse` (which throws on anything malformed). A file
 * that cannot be read is moved aside, never overwritten (the user may want it back), and `problem`
 * says where it went and what that means (`meaning`, e.g. "every grant starts revoked"). No file:
 * neither a value nor a problem.
 */
export function readStateFile<T>(path: string, parse: (text: string) => T, now: Date, meaning: string): { value?: T; problem?: string } {
  if (!existsSync(path)) return {};
  try {
    return { value: parse(readFileSync(path, 'utf8')) };
  } catch (e) {
    const aside = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(path, aside);
    return { problem: `${path} could not be read (${(e as Error).message}); it was moved to ${aside} and ${meaning}` };
  }
}
