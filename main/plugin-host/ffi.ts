import type * as FfiRs from 'ffi-rs';

/**
 * The part of ffi-rs the plugin host calls, as ffi-rs's native binding exposes it. Its entry point
 * wraps the same functions, filling in on each call the parameter forms built below; given them
 * already filled in, it passes them on unchanged, so both take the same calls.
 */
export interface Ffi {
  DataType: typeof FfiRs.DataType;
  PointerType: typeof FfiRs.PointerType;
  open: typeof FfiRs.open;
  close: typeof FfiRs.close;
  load: typeof FfiRs.load;
  freePointer: typeof FfiRs.freePointer;
  restorePointer: typeof FfiRs.restorePointer;
  wrapPointer: typeof FfiRs.wrapPointer;
}

/** The binding's tags for an array and a function type (ffi-rs's typings name neither). */
interface TypeTags {
  FFITypeTag: { Array: FfiRs.FFITypeTag };
}

/**
 * ffi-rs's native binding. ffi-rs's entry point first asks `process.report.getReport()` whether the
 * C library is musl, which cost every plugin host 2–10 ms of its start (`npm run bench`, cold
 * load). npm installs a `-gnu` binding only where the C library is glibc (the `libc` field of its
 * package.json), so where one is installed that question is answered; anywhere else the entry point
 * finds its own. The requires stay literal: the sandbox binds the packages the script names
 * (core/sandbox/host-view).
 */
function nativeBinding(): Ffi & TypeTags {
  /* eslint-disable @typescript-eslint/no-require-imports -- a binding that may be missing is required where it is used, and falls back */
  if (process.platform === 'linux') {
    try {
      if (process.arch === 'x64') return require('@yuuang/ffi-rs-linux-x64-gnu') as Ffi & TypeTags;
      if (process.arch === 'arm64') return require('@yuuang/ffi-rs-linux-arm64-gnu') as Ffi & TypeTags;
    } catch {
      // Not installed here, or not loadable (a copied node_modules): the entry point decides, and
      // says what is wrong if it cannot either.
    }
  }
  return require('ffi-rs') as Ffi & TypeTags;
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const binding = nativeBinding();
export const ffi: Ffi = binding;

/** A Buffer passed as a pointer to its own bytes (ffi-rs notes §2): the binding takes its length with its type. */
export function bytesType(bytes: Buffer): FfiRs.ArrayConstructorOptions {
  return { ffiTypeTag: binding.FFITypeTag.Array, type: ffi.DataType.U8Array, length: bytes.length };
}
