import { isElf64LittleEndian, type ReadAt } from '../files/elf';

/**
 * The rustc that built a library, read from its ELF `.comment` section (where rustc records
 * `rustc version 1.97.0-nightly (e50aa6fba 2026-05-19)`). Main uses it only to choose which bridge to
 * start a plugin with; the bridge itself checks again, in the sandbox, before any plugin code runs.
 * It does no I/O of its own: what it reads comes through the `ReadAt` it is given.
 */
/**
 * Whether a version is written as rustc writes it: `1.95.0`, a channel, a commit hash and a date
 * (`1.97.0-nightly (e50aa6fba 2026-05-19)`). Anything else is the library's own bytes: never
 * shown, never made into a command (native/host-bridge/src/inspect.rs checks the same).
 */
export function isWellFormedRustc(version: string): boolean {
  return /^\d{1,5}\.\d{1,5}\.\d{1,5}(-(nightly|dev|beta(\.\d+)?))?( \([0-9a-f]{7,40} \d{4}-\d\d-\d\d\))?$/.test(version);
}

/** More than any section-name table or .comment a compiler writes; a larger one is cut there. */
const MAX_SECTION_BYTES = 1024 * 1024;

/**
 * The rustc versions a library's .comment names. Only what is needed is read: the ELF header, the
 * section table, the section names and the .comment itself (a plugin library can be tens of MiB).
 */
export function rustcVersionsOf(readAt: ReadAt): string[] {
  const header = readAt(0, 64);
  // ELF64 little-endian only; anything else has no versions we can read.
  if (!isElf64LittleEndian(header)) return [];
  const entrySize = header.readUInt16LE(0x3a);
  const count = header.readUInt16LE(0x3c);
  const namesIndex = header.readUInt16LE(0x3e);
  if (entrySize < 64) return [];
  const table = readAt(Number(header.readBigUInt64LE(0x28)), count * entrySize);
  const section = (i: number) => {
    const at = i * entrySize;
    if (at + 64 > table.length) return undefined;
    return { name: table.readUInt32LE(at), offset: Number(table.readBigUInt64LE(at + 0x18)), size: Number(table.readBigUInt64LE(at + 0x20)) };
  };
  const namesSection = section(namesIndex);
  if (!namesSection) return [];
  const names = readAt(namesSection.offset, Math.min(namesSection.size, MAX_SECTION_BYTES));
  for (let i = 0; i < count; i++) {
    const s = section(i);
    if (!s || s.name >= names.length) continue;
    const end = names.indexOf(0, s.name);
    if (names.toString('latin1', s.name, end < 0 ? names.length : end) !== '.comment') continue;
    return readAt(s.offset, Math.min(s.size, MAX_SECTION_BYTES))
      .toString('latin1')
      .split('\0')
      .filter((t) => t.startsWith('rustc version '))
      .map((t) => t.slice('rustc version '.length).trim());
  }
  return [];
}
