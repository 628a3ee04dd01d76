import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { insidePathProblem } from '../manifest/validate';

/** Limits against zip bombs and oversized packages. */
export const PACKAGE_LIMITS = { maxFiles: 10_000, maxUnpackedBytes: 512 * 1024 * 1024 };

export class PackageError extends Error {
  override readonly name = 'PackageError';
}

/**
 * Checks a `.hfpkg` against a digest: the one the user gave (from the publisher's page, a message
 * they trust), which is a real check and the only one called "verified"; otherwise the `.sha256`
 * sidecar beside it (`"<hex>  <file name>"`, as hf-pack writes it), which came with the package
 * and so only catches damage, and says so. Returns what was checked, for the install record.
 */
export function checkDigest(pkg: string, bytes: Buffer, given?: string): string {
  const actual = createHash('sha256').update(bytes).digest('hex');
  const mismatch = (expected: string, from: string) =>
    new PackageError(`${basename(pkg)} does not match ${from} (expected ${expected}, got ${actual}): the package was changed or damaged; do not install it`);
  if (given !== undefined) {
    const expected = given.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected)) throw new PackageError(`"${given}" is not a SHA-256 digest (64 hexadecimal digits)`);
    if (expected !== actual) throw mismatch(expected, 'the digest you gave');
    return `sha256 ${actual} verified against the digest you gave`;
  }
  const sidecar = `${pkg}.sha256`;
  if (!existsSync(sidecar)) return `sha256 ${actual} (not verified: no digest was given)`;
  const [expected, name] = readFileSync(sidecar, 'utf8').trim().split(/\s+/);
  if (!expected || !/^[0-9a-f]{64}$/i.test(expected)) throw new PackageError(`${sidecar} does not hold a SHA-256 digest`);
  if (name && name.replace(/^\*/, '') !== basename(pkg)) throw new PackageError(`${sidecar} is for ${name}, not ${basename(pkg)}`);
  if (actual !== expected.toLowerCase()) throw mismatch(expected.toLowerCase(), 'its .sha256 sidecar');
  return `sha256 ${actual} matches the .sha256 file that came with it (not verified: the same download could have changed both)`;
}

/** The SHA-256 of a file, in hex: what the user approves of a plugin's native library. */
export function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function unpack(bytes: Buffer, into: string): void {
  let files = 0;
  let unpacked = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        files += 1;
        unpacked += f.originalSize;
        if (files > PACKAGE_LIMITS.maxFiles) throw new PackageError(`the package holds more than ${PACKAGE_LIMITS.maxFiles} files`);
        if (unpacked > PACKAGE_LIMITS.maxUnpackedBytes) throw new PackageError(`the package unpacks to more than ${PACKAGE_LIMITS.maxUnpackedBytes} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof PackageError) throw e;
    throw new PackageError(`not a valid .hfpkg (zip) file: ${(e as Error).message}`);
  }
  for (const [name, data] of Object.entries(entries)) {
    const problem = insidePathProblem(name.endsWith('/') ? name.slice(0, -1) : name);
    if (problem) throw new PackageError(`the package entry ${problem}`);
    if (name.endsWith('/')) continue;
    const target = join(into, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data, { mode: 0o644 });
  }
}

/** Refuses symbolic links anywhere in a plugin folder: they could point outside it. */
function assertNoLinks(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (lstatSync(p).isSymbolicLink()) throw new PackageError(`${p} is a symbolic link; plugin folders may not contain links`);
    if (e.isDirectory()) assertNoLinks(p);
  }
}

/**
 * Copies a plugin folder or unpacks a `.hfpkg` into `staging` (a new folder), so installation never
 * runs from, or half-copies, the user's source. Returns a note on what was verified.
 */
export function stagePackage(source: string, staging: string, givenDigest?: string): string {
  if (!existsSync(source)) throw new PackageError(`${source} does not exist`);
  mkdirSync(staging, { recursive: true });
  try {
    if (statSync(source).isDirectory()) {
      assertNoLinks(source);
      // A top-level data/ is the plugin's private folder on this machine, never part of an install.
      const data = join(source, 'data');
      cpSync(source, staging, { recursive: true, filter: (src) => src !== data && !src.startsWith(`${data}/`) });
      return 'folder';
    }
    const bytes = readFileSync(source);
    const verified = checkDigest(source, bytes, givenDigest);
    unpack(bytes, staging);
    return `package ${basename(source)} (${verified})`;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
