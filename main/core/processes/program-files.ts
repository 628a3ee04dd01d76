import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isElf64LittleEndian, withReadAt } from '../files/elf';
import { untrustedReason } from '../sandbox/bubblewrap';
import { PROGRAM_PATH } from './program-rules';

/**
 * Where programs are looked for: first the folders the host was started with (tests and
 * development: a stub `p4`), which are trusted as given; then the usual ones, where a program is
 * run only if root installed it. Never the plugin's PATH.
 */
export interface ProgramDirs {
  given: readonly string[];
}

export function searchOrder(dirs: ProgramDirs): string[] {
  return [...dirs.given, ...PROGRAM_PATH];
}

export type Located = { ok: true; at: string; real: string } | { ok: false; reason: string };

/** The program's file by name: where the plugin's PATH finds it (`at`), and what it really is. */
export function locateProgram(name: string, dirs: ProgramDirs): Located {
  for (const dir of searchOrder(dirs)) {
    const at = join(dir, name);
    let real: string;
    try {
      real = realpathSync(at);
      if (!statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    const problem = dirs.given.includes(dir) ? undefined : untrustedReason(real);
    if (problem) return { ok: false, reason: `${at} is not run: ${problem}` };
    return { ok: true, at, real };
  }
  return { ok: false, reason: `${name} is not installed (looked in ${searchOrder(dirs).join(', ')})` };
}

/** git's own helpers (git-remote-http, git-upload-pack…), where Debian and others put them. */
export function gitCore(): string | undefined {
  for (const dir of ['/usr/lib/git-core', '/usr/libexec/git-core']) {
    try {
      const real = realpathSync(dir);
      if (statSync(real).isDirectory()) return real;
    } catch {
      // not here
    }
  }
  return undefined;
}

const PT_INTERP = 3;

/**
 * The dynamic loader an ELF program names (PT_INTERP), which the kernel executes with it; none
 * for a static program or a file that is not a 64-bit little-endian ELF.
 */
export function interpreterOf(path: string): string | undefined {
  return withReadAt(path, (readAt) => {
    const header = readAt(0, 64);
    if (!isElf64LittleEndian(header)) return undefined;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    for (let i = 0; i < Math.min(phnum, 64); i += 1) {
      const entry = readAt(phoff + i * phentsize, 56);
      if (entry.length < 56 || entry.readUInt32LE(0) !== PT_INTERP) continue;
      const offset = Number(entry.readBigUInt64LE(8));
      const size = Math.min(Number(entry.readBigUInt64LE(32)), 4096);
      const name = readAt(offset, size).toString('utf8').replace(/\0.*$/s, '');
      return name.startsWith('/') ? name : undefined;
    }
    return undefined;
  });
}
