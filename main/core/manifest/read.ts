import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseDomainValue } from '../policy/domain';

/** The fields of manifest.json (contract §2.1) the host needs to start a plugin. */
export interface Manifest {
  id: string;
  name: string;
  version: string;
  description: string;
  permissions: Array<{ type: string; value?: unknown }>;
  entry?: { native?: Record<string, string>; frontend?: string };
  [key: string]: unknown;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: string[] };

/** The `entry.native` key for this machine (contract §2.1), e.g. `linux_x64`. */
export function nativeTargetKey(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : platform;
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : arch;
  return `${os}_${cpu}`;
}

/** Resolves a manifest path inside the plugin folder, or explains why it may not be used. */
export function resolveInside(pluginDir: string, path: string): { ok: true; path: string } | { ok: false; error: string } {
  if (path.trim() === '') return { ok: false, error: 'is empty' };
  if (isAbsolute(path) || path.includes('\\') || path.includes('\0')) return { ok: false, error: `"${path}" must be a relative path with / separators` };
  const full = resolve(pluginDir, path);
  const rel = relative(pluginDir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { ok: false, error: `"${path}" escapes the plugin folder` };
  return { ok: true, path: full };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and checks the fields this host relies on; every problem is reported with its JSON path. */
export function parseManifest(text: string): ManifestResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`manifest.json is not valid JSON: ${(e as Error).message}`] };
  }
  if (!isObject(data)) return { ok: false, errors: ['$: manifest.json must hold a JSON object'] };
  const errors: string[] = [];
  for (const field of ['id', 'name', 'version', 'description'] as const) {
    if (typeof data[field] !== 'string' || (data[field] as string).trim() === '') errors.push(`$.${field}: required, a non-empty string`);
  }
  if (data.permissions !== undefined && !Array.isArray(data.permissions)) errors.push('$.permissions: must be an array');
  if (Array.isArray(data.permissions)) {
    data.permissions.forEach((p: unknown, i: number) => {
      if (!isObject(p) || typeof p.type !== 'string') errors.push(`$.permissions[${i}]: must be an object with a string "type"`);
      else if (p.type === 'network_http_domain') {
        const scope = parseDomainValue(p.value);
        if (!scope.ok) errors.push(`$.permissions[${i}].value: network_http_domain ${scope.error}`);
      }
    });
  }
  if (data.entry !== undefined && !isObject(data.entry)) errors.push('$.entry: must be an object');
  if (isObject(data.entry) && data.entry.native !== undefined) {
    const native = data.entry.native;
    if (!isObject(native)) errors.push('$.entry.native: must be an object');
    else for (const [key, value] of Object.entries(native)) if (typeof value !== 'string') errors.push(`$.entry.native.${key}: must be a string`);
  }
  if (errors.length > 0) return { ok: false, errors };
  // The checks above established the fields Manifest declares; the rest pass through untouched.
  return { ok: true, manifest: { permissions: [], ...data } as unknown as Manifest };
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
