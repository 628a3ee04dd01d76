import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Up to `length` bytes of a file from `offset` (fewer where the file ends). */
export type ReadAt = (offset: number, length: number) => Buffer;

/** Whether a file's first 64 bytes are the header of a 64-bit little-endian ELF (x86_64 and aarch64 Linux). */
export function isElf64LittleEndian(header: Buffer): boolean {
  return header.length >= 64 && header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 && header[5] === 1;
}

/** Runs `use` with a reader of pieces of the file at `path`, which is open only meanwhile. */
export function withReadAt<T>(path: string, use: (readAt: ReadAt) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return use((offset, length) => {
      const wanted = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.alloc(wanted);
      let got = 0;
      while (got < wanted) {
        const n = readSync(fd, out, got, wanted - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return out.subarray(0, got);
    });
  } finally {
    closeSync(fd);
  }
}
