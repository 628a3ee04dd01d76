import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Calls `onLine` with each line of the file at `path`, read a chunk at a time. The audit file only
 * grows, and read whole it would stop fitting in one string (V8's limit is about 512 MiB) long
 * before it stopped fitting on disk. A last line without its newline (torn by a crash) is passed on
 * too; the reader decides what to make of it.
 */
export function forEachLine(path: string, onLine: (line: string) => void, chunkBytes = 1 << 20): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(chunkBytes);
    // Decodes across chunk edges, so a character split between two reads comes out whole.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      const text = rest + (n > 0 ? decoder.write(chunk.subarray(0, n)) : decoder.end());
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      if (n === 0) break;
    }
    if (rest) onLine(rest);
  } finally {
    closeSync(fd);
  }
}
