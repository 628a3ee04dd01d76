import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../app-paths';
import { rustcVersionsOf } from './elf-comment';

describe("the rustc recorded in a library's .comment section", () => {
  it('is read from a library this build made', () => {
    const bridge = readFileSync(join(appRoot(), 'native', 'target', 'release', 'libhf_host_bridge.so'));
    const [version] = rustcVersionsOf(bridge);
    expect(version).toMatch(/^\d+\.\d+\.\d+(-\w+)? \([0-9a-f]+ \d{4}-\d\d-\d\d\)$/);
  });

  it('is nothing for what is not an ELF library, or is cut short', () => {
    expect(rustcVersionsOf(Buffer.from('#!/bin/sh\necho rustc version 1.0.0\n'))).toEqual([]);
    expect(rustcVersionsOf(Buffer.alloc(10))).toEqual([]);
    const bridge = readFileSync(join(appRoot(), 'native', 'target', 'release', 'libhf_host_bridge.so'));
    expect(rustcVersionsOf(bridge.subarray(0, 200))).toEqual([]);
  });
});
