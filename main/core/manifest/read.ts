import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { insidePathProblem, validateManifest, validationContextFor, type Manifest, type ManifestResult, type ValidationContext } from './validate';

export type { Manifest, ManifestResult };

/** The `entry.native` key for this machine (contract §2.1), e.g. `linux_x64`. */
export function nativeTargetKey(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : platform;
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : arch;
  return `${os}_${cpu}`;
}

/** Resolves a manifest path inside the plugin folder, or explains why it may not be used. */
export function resolveInside(pluginDir: string, path: string): { ok: true; path: string } | { ok: false; error: string } {
  const problem = insidePathProblem(path);
  return problem ? { ok: false, error: problem } : { ok: true, path: resolve(pluginDir, path) };
}

export function parseManifest(text: string, ctx: ValidationContext = validationContextFor(process.platform)): ManifestResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`manifest.json is not valid JSON: ${(e as Error).message}`] };
  }
  return validateManifest(data, ctx);
}

export function readManifest(pluginDir: string): ManifestResult {
  let text: string;
  try {
    text = readFileSync(join(pluginDir, 'manifest.json'), 'utf8');
  } catch (e) {
    return { ok: false, errors: [`cannot read ${join(pluginDir, 'manifest.json')}: ${(e as Error).message}`] };
  }
  return parseManifest(text);
}

/** The native library this machine should load, as an absolute path inside the plugin folder. */
export function nativeLibraryPath(pluginDir: string, manifest: Manifest, target = nativeTargetKey()): { ok: true; path: string } | { ok: false; error: string } {
  const entry = manifest.entry?.native?.[target];
  if (entry === undefined) return { ok: false, error: `plugin ${manifest.id} has no native library for ${target} (manifest $.entry.native.${target})` };
  const inside = resolveInside(pluginDir, entry);
  return inside.ok ? inside : { ok: false, error: `manifest $.entry.native.${target} ${inside.error}` };
}
