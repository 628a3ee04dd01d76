/**
 * The rustc that built a library, read from its ELF `.comment` section (where rustc records
 * `rustc version 1.97.0-nightly (e50aa6fba 2026-05-19)`). Main uses it only to choose which bridge to
 * start a plugin with; the bridge itself checks again, in the sandbox, before any plugin code runs.
 * Pure: bytes in, versions out.
 */
/**
 * Whether a version is written as rustc writes it: `1.95.0`, a channel, a commit hash and a date
 * (`1.97.0-nightly (e50aa6fba 2026-05-19)`). Anything else is the library's own bytes: never
 * shown, never made into a command (native/host-bridge/src/inspect.rs checks the same).
 */
export function isWellFormedRustc(version: string): boolean {
  return /^\d{1,5}\.\d{1,5}\.\d{1,5}(-(nightly|dev|beta(\.\d+)?))?( \([0-9a-f]{7,40} \d{4}-\d\d-\d\d\))?$/.test(version);
}

export function rustcVersionsOf(elf: Buffer): string[] {
  // ELF64 little-endian only (x86_64 and aarch64 Linux); anything else has no versions we can read.
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return [];
  const sectionTable = Number(elf.readBigUInt64LE(0x28));
  const entrySize = elf.readUInt16LE(0x3a);
  const count = elf.readUInt16LE(0x3c);
  const namesIndex = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = sectionTable + i * entrySize;
    if (at + 64 > elf.length) return undefined;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(namesIndex);
  if (!names) return [];
  for (let i = 0; i < count; i++) {
    const s = section(i);
    if (!s || names.offset + s.name >= elf.length) continue;
    const end = elf.indexOf(0, names.offset + s.name);
    if (elf.toString('latin1', names.offset + s.name, end) !== '.comment') continue;
    return elf
      .toString('latin1', s.offset, Math.min(elf.length, s.offset + s.size))
      .split('\0')
      .filter((t) => t.startsWith('rustc version '))
      .map((t) => t.slice('rustc version '.length).trim());
  }
  return [];
}
