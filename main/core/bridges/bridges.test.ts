import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot, builtArtifacts } from '../app-paths';
import { bridgeSourceDigest, cacheKey, reusable, rustcVersionsInFile, rustupNameFor } from './bridges';
import { rustcVersionsOf } from './elf-comment';

describe('a bridge per compiler', () => {
  it('is cached under a folder named by the whole version string', () => {
    expect(cacheKey('1.97.0-nightly (e50aa6fba 2026-05-19)')).toBe('1.97.0-nightly_e50aa6fba_2026-05-19');
    expect(cacheKey('1.97.0 (17067e9ac 2026-07-09)')).toBe('1.97.0_17067e9ac_2026-07-09');
  });

  it('names the rustup toolchain that brings a compiler', () => {
    expect(rustupNameFor('1.97.0 (17067e9ac 2026-07-09)')).toBe('1.97.0');
    // rustup names a nightly by the day it was published, the day after its last commit.
    expect(rustupNameFor('1.97.0-nightly (e50aa6fba 2026-05-19)')).toBe('nightly-2026-05-20');
    expect(rustupNameFor('1.97.0-nightly (e50aa6fba 2026-12-31)')).toBe('nightly-2027-01-01');
    expect(rustupNameFor('1.96.0-beta.3 (abc 2026-05-01)')).toBe('beta');
  });

  it('is reused only for its compiler and the source of now: one built by an earlier version of the app is built again', () => {
    const rustc = '1.97.0-nightly (e50aa6fba 2026-05-19)';
    const source = bridgeSourceDigest(appRoot());
    expect(source).toMatch(/^[0-9a-f]{64}$/);
    expect(bridgeSourceDigest(appRoot())).toBe(source);
    expect(reusable({ rustc, source }, rustc, source)).toBe(true);
    expect(reusable({ rustc, source: '0'.repeat(64) }, rustc, source)).toBe(false);
    // As builds before the digest was recorded left it.
    expect(reusable({ rustc }, rustc, source)).toBe(false);
    expect(reusable({ rustc: '1.95.0 (59807616e 2026-04-14)', source }, rustc, source)).toBe(false);
  });

  it("has a source digest that follows the bridge's own files", () => {
    const copy = mkdtempSync(join(tmpdir(), 'hf-bridge-source-'));
    try {
      cpSync(join(appRoot(), 'native', 'Cargo.lock'), join(copy, 'native', 'Cargo.lock'));
      for (const crate of ['host-bridge', 'path-calls', 'walls', 'fd-pass']) cpSync(join(appRoot(), 'native', crate), join(copy, 'native', crate), { recursive: true });
      expect(bridgeSourceDigest(copy)).toBe(bridgeSourceDigest(appRoot()));
      writeFileSync(join(copy, 'native', 'host-bridge', 'src', 'ffi.rs'), '// changed\n', { flag: 'a' });
      expect(bridgeSourceDigest(copy)).not.toBe(bridgeSourceDigest(appRoot()));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe("a library file's rustc versions", () => {
  it('are those of the whole file, read piece by piece', () => {
    const { bridgePath } = builtArtifacts();
    const whole = readFileSync(bridgePath);
    expect(rustcVersionsInFile(bridgePath)).toEqual(rustcVersionsOf((offset, length) => whole.subarray(offset, offset + length)));
    expect(rustcVersionsInFile(bridgePath)).toHaveLength(1);
  });

  it('are none for a file cut short after its header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-elf-'));
    try {
      writeFileSync(join(dir, 'libcut.so'), readFileSync(builtArtifacts().bridgePath).subarray(0, 4096));
      expect(rustcVersionsInFile(join(dir, 'libcut.so'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
