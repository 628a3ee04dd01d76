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
 * Checks a `.hfpkg` against its `.sha256` sidecar (`"<hex>  <file name>"`, as hf-pack writes it)
 * when there is one. Returns what was verified, for the install record.
 */
export function verifySidecar(pkg: string, bytes: Buffer): string {
  const sidecar = `${pkg}.sha256`;
  if (!existsSync(sidecar)) return 'no .sha256 sidecar';
  const [expected, name] = readFileSync(sidecar, 'utf8').trim().split(/\s+/);
  if (!expected || !/^[0-9a-f]{64}$/i.test(expected)) throw new PackageError(`${sidecar} does not hold a SHA-256 digest`);
  if (name && name.replace(/^\*/, '') !== basename(pkg)) throw new PackageError(`${sidecar} is for ${name}, not ${basename(pkg)}`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.toLowerCase()) {
    throw new PackageError(`${basename(pkg)} does not match its .sha256 sidecar (expected ${expected.toLowerCase()}, got ${actual}): the package was changed or damaged; do not install it`);
  }
  return `sha256 ${actual} verified`;
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
export function stagePackage(source: string, staging: string): string {
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
    const verified = verifySidecar(source, bytes);
    unpack(bytes, staging);
    return `package ${basename(source)} (${verified})`;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
