import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as FfiRs from 'ffi-rs';
import { bytesType, ffi } from './ffi';

const requireHere = createRequire(import.meta.url);
const entryPoint = requireHere('ffi-rs') as typeof FfiRs;
const LIBC = 'hf-test-libc';

describe("the plugin host's ffi-rs", () => {
  it('is the glibc binding npm installed here, not ffi-rs\'s entry point (which asks process.report first)', () => {
    const glibcBinding = requireHere(`@yuuang/ffi-rs-linux-${process.arch}-gnu`) as typeof FfiRs;
    expect(ffi.load).toBe(glibcBinding.load);
    expect(ffi.load).not.toBe(entryPoint.load);
  });

  it('passes calls that the entry point would take alike: Buffers as pointers with their length', () => {
    ffi.open({ library: LIBC, path: 'libc.so.6' });
    try {
      const a = Buffer.from('same bytes, then A');
      const b = Buffer.from('same bytes, then B');
      const memcmp = (via: Pick<typeof FfiRs, 'load'>, n: number) =>
        via.load({ library: LIBC, funcName: 'memcmp', retType: ffi.DataType.I32, paramsType: [bytesType(a), bytesType(b), ffi.DataType.I64], paramsValue: [a, b, n], freeResultMemory: false });
      for (const via of [ffi, entryPoint]) {
        expect(memcmp(via, a.length - 1)).toBe(0);
        expect(memcmp(via, a.length)).toBeLessThan(0);
      }
    } finally {
      ffi.close(LIBC);
    }
  });
});
