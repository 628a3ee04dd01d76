import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { appRoot } from '../../main/core/app-paths';

export const root = appRoot();
export const release = join(root, 'native', 'target', 'release');
export const samples = join(root, 'native', 'plugins');

/** A fresh HALOFORGE_HOME for one test; removed by the returned function. */
export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'hf-home-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface InstallOptions {
  /** Folder under native/plugins holding manifest.json (or an absolute path to one elsewhere). */
  sample: string;
  /** Library file to copy into the plugin (default: the one the manifest names, from the build); false copies none. */
  library?: string | false;
  /** Changes to the manifest before it is written. */
  manifest?: (m: Record<string, unknown>) => void;
}

/** Puts a built sample plugin into `<home>/plugins/<id>/` the way a user would. */
export function installSample(home: string, opts: InstallOptions): { id: string; dir: string; libraryPath: string } {
  const manifest = JSON.parse(readFileSync(join(resolve(samples, opts.sample), 'manifest.json'), 'utf8')) as Record<string, unknown> & {
    id: string;
    entry: { native: { linux_x64: string } };
  };
  opts.manifest?.(manifest);
  const dir = join(home, 'plugins', manifest.id);
  const rel = manifest.entry.native.linux_x64;
  const libraryPath = join(dir, rel);
  mkdirSync(join(libraryPath, '..'), { recursive: true });
  if (opts.library !== false) copyFileSync(opts.library ?? join(release, rel.split('/').pop() as string), libraryPath);
  // A frontend comes from the build (scripts/build-frontends.mjs puts it beside the sample's copy in out/samples).
  const frontend = (manifest.entry as { frontend?: string }).frontend;
  if (frontend) cpSync(join(root, 'out', 'samples', basename(opts.sample), dirname(frontend)), join(dir, dirname(frontend)), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { id: manifest.id, dir, libraryPath };
}

/** The rustc version recorded in a library's .comment section, e.g. "1.95.0". */
export function recordedRustc(library: string): string {
  const m = /rustc version (\d+\.\d+\.\d+)/.exec(readFileSync(library, 'latin1'));
  if (!m?.[1]) throw new Error(`no rustc version in ${library}`);
  return m[1];
}

/**
 * Rewrites the rustc version in a library's .comment (same length, so the ELF stays valid), as if
 * another compiler had built it.
 */
export function pretendBuiltByOtherRustc(library: string, version: string): void {
  const bytes = readFileSync(library);
  const text = bytes.toString('latin1');
  const current = recordedRustc(library);
  if (version.length !== current.length) throw new Error('the fake version must have the same length');
  const from = `rustc version ${current}`;
  for (let at = text.indexOf(from); at !== -1; at = text.indexOf(from, at + 1)) bytes.write(`rustc version ${version}`, at, 'latin1');
  writeFileSync(library, bytes);
}

/** Makes a library's .comment say `rustc version <text>` (cut or padded to the length it had). */
export function pretendCommentSays(library: string, text: string): void {
  const bytes = readFileSync(library);
  const marker = Buffer.from('rustc version ', 'latin1');
  for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, at + 1)) {
    const start = at + marker.length;
    const length = bytes.indexOf(0, start) - start;
    bytes.write(text.padEnd(length, ' ').slice(0, length), start, 'latin1');
  }
  writeFileSync(library, bytes);
}

/** A plugin folder as a developer would hand it over, outside any HALOFORGE_HOME. */
export function sampleFolder(into: string, opts: InstallOptions): string {
  const { dir } = installSample(into, opts);
  return dir;
}

/** Zips a plugin folder into an .hfpkg with the `.sha256` sidecar hf-pack writes. */
export function packFolder(folder: string, pkg: string): string {
  const files: Record<string, Uint8Array> = {};
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else files[`${prefix}${e.name}`] = readFileSync(join(dir, e.name));
    }
  };
  walk(folder, '');
  const bytes = Buffer.from(zipSync(files));
  writeFileSync(pkg, bytes);
  writeFileSync(`${pkg}.sha256`, `${createHash('sha256').update(bytes).digest('hex')}  ${basename(pkg)}\n`);
  return pkg;
}
