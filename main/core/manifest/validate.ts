import { parseDomainValue } from '../policy/domain';
import { LEGACY_AICHAT, PERMISSION_TYPES, permissionKey } from './permissions';

/** The public host API this host implements (haloforge-plugin-api's PUBLIC_HOST_API_VERSION). */
export const HOST_API_VERSION = '0.2.18';
/** The HaloForge app version whose plugin contract this host implements (contract §2.1). */
export const APP_COMPAT_VERSION = '0.8.0';

export interface Manifest {
  id: string;
  name: string;
  version: string;
  description: string;
  author: string;
  compatibility: { min_app_version: string; min_host_api_version?: string; max_app_version?: string; platforms?: string[] };
  capability_levels: number[];
  permissions: Array<{ type: string; value?: unknown }>;
  entry?: { native?: Record<string, string>; frontend?: string; frontend_styles?: string };
  /** `exported: true` (this host's extension) lets other plugins call the command. */
  commands?: Array<{ id: string; description?: string; exported?: boolean }>;
  settings_schema?: Record<string, unknown>;
  /** Checked by `checkIntegration`; only level 4's step types are read by the host itself. */
  integration?: { level4?: { workflow_step_types?: string[] }; [level: string]: unknown };
  [key: string]: unknown;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: string[] };

export interface ValidationContext {
  hostApiVersion: string;
  appVersion: string;
  /** This machine's platform family in manifest words: windows, macos or linux. */
  platform: string;
}

/** The context of this host on a machine whose Node platform is `nodePlatform` (`linux`, `win32`, `darwin`). */
export function validationContextFor(nodePlatform: string): ValidationContext {
  return { hostApiVersion: HOST_API_VERSION, appVersion: APP_COMPAT_VERSION, platform: nodePlatform === 'win32' ? 'windows' : nodePlatform === 'darwin' ? 'macos' : 'linux' };
}

/** A relative path with its `.` and empty segments gone (`..` is refused before this is used). */
function normalizeRelative(path: string): string {
  return path
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .join('/');
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const PLUGIN_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const NATIVE_TARGETS = ['macos_arm64', 'macos_x64', 'windows_x64', 'windows_arm64', 'linux_x64', 'linux_arm64'];
const PLATFORMS = ['windows', 'macos', 'linux'];
const HOST_CAPABILITIES = ['navigation', 'app_state', 'file_intents', 'file_dialogs', 'file_watch', 'aichat', 'enterprise_gateway', 'deep_links', 'theme_read', 'event_subscribe'];
const OPEN_MODES = ['smart', 'current', 'new_window', 'reuse_existing', 'reuse_or_new'];
const REUSE_KEYS = ['plugin', 'route', 'resource', 'none'];
const RESERVED_MODULES = ['devkit', 'aichat', 'settings'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares two semver versions by their numeric core (pre-release sorts first). */
export function compareSemver(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new Error(`not semver: ${pa ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  if (pa[4] === pb[4]) return 0;
  return pa[4] === undefined ? 1 : pb[4] === undefined ? -1 : (pa[4] as string).localeCompare(pb[4] as string);
}

/** Is `path` a relative path that stays inside the plugin folder? Returns why not, or undefined. */
export function insidePathProblem(path: string): string | undefined {
  if (path.trim() === '') return 'must not be empty';
  if (path.includes('\\') || path.includes('\0')) return `"${path}" must use / separators and no NUL`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `"${path}" must be relative to the plugin folder`;
  if (path.split('/').includes('..')) return `"${path}" escapes the plugin folder`;
  const normal = normalizeRelative(path);
  // data/ is the one folder a plugin may write: nothing the host loads or installs may live there,
  // or a plugin could change its own code after the user approved it.
  if (normal === 'data' || normal.startsWith('data/')) return `"${path}" is inside data/, the plugin's own writable folder, where nothing the host installs or loads may be`;
  return undefined;
}

class Checker {
  readonly errors: string[] = [];

  fail(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  string(obj: Json, key: string, path: string, required: boolean): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) this.fail(`${path}.${key}`, 'required, a non-empty string');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.fail(`${path}.${key}`, 'must be a non-empty string');
      return undefined;
    }
    return v;
  }

  semver(obj: Json, key: string, path: string, required: boolean): string | undefined {
    const v = this.string(obj, key, path, required);
    if (v !== undefined && !SEMVER.test(v)) {
      this.fail(`${path}.${key}`, `"${v}" is not a semver version (like 1.2.3)`);
      return undefined;
    }
    return v;
  }

  stringArray(obj: Json, key: string, path: string, allowed?: readonly string[]): string[] | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
      this.fail(`${path}.${key}`, 'must be an array of non-empty strings');
      return undefined;
    }
    if (allowed) v.forEach((x: string, i) => allowed.includes(x) || this.fail(`${path}.${key}[${i}]`, `"${x}" is not one of ${allowed.join(', ')}`));
    return v as string[];
  }

  insidePath(obj: Json, key: string, path: string, required = false): void {
    const v = this.string(obj, key, path, required);
    if (v === undefined) return;
    const problem = insidePathProblem(v);
    if (problem) this.fail(`${path}.${key}`, problem);
  }

  object(obj: Json, key: string, path: string, required = false): Json | undefined {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.fail(`${path}.${key}`, 'required, an object');
      return undefined;
    }
    if (!isObject(v)) {
      this.fail(`${path}.${key}`, 'must be an object');
      return undefined;
    }
    return v;
  }
}

function checkPermissions(c: Checker, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) return c.fail('$.permissions', 'must be an array');
  const seen = new Set<string>();
  value.forEach((p: unknown, i) => {
    const path = `$.permissions[${i}]`;
    if (!isObject(p) || typeof p.type !== 'string') return c.fail(path, 'must be an object with a string "type"');
    if (p.type === LEGACY_AICHAT) return c.fail(`${path}.type`, `Invalid plugin permission '${LEGACY_AICHAT}'. Use 'host_aichat_access'.`);
    const t = PERMISSION_TYPES[p.type];
    if (!t) return c.fail(`${path}.type`, `unknown permission type '${p.type}'`);
    if (t.value === 'none' && p.value !== undefined && p.value !== null) c.fail(`${path}.value`, `${p.type} takes no value`);
    if (t.value === 'string' && (typeof p.value !== 'string' || p.value.trim() === '')) c.fail(`${path}.value`, `${p.type} needs a non-empty string value`);
    if (t.value === 'string-array' && (!Array.isArray(p.value) || p.value.length === 0 || p.value.some((x) => typeof x !== 'string' || x.trim() === ''))) {
      c.fail(`${path}.value`, `${p.type} needs a non-empty array of executable names`);
    }
    if (p.type === 'network_http_domain' && typeof p.value === 'string' && p.value.trim() !== '') {
      const scope = parseDomainValue(p.value);
      if (!scope.ok) c.fail(`${path}.value`, `network_http_domain ${scope.error}`);
    }
    const key = permissionKey(p as { type: string; value?: unknown });
    if (seen.has(key)) c.fail(path, `permission ${key} is listed twice`);
    seen.add(key);
  });
}

function checkIntegration(c: Checker, integration: Json | undefined): void {
  if (!integration) return;
  const p = '$.integration';
  const l0 = c.object(integration, 'level0', p);
  if (l0) {
    for (const k of ['module_id', 'module_label', 'module_icon']) c.string(l0, k, `${p}.level0`, true);
    c.insidePath(l0, 'panel_entry', `${p}.level0`, true);
    if (typeof l0.module_id === 'string' && RESERVED_MODULES.includes(l0.module_id)) c.fail(`${p}.level0.module_id`, `"${l0.module_id}" is reserved by the host`);
    if (l0.sidebar_position !== undefined && l0.sidebar_position !== 'main' && l0.sidebar_position !== 'bottom') c.fail(`${p}.level0.sidebar_position`, 'must be "main" or "bottom"');
  }
  const l1 = c.object(integration, 'level1', p);
  if (l1) {
    for (const k of ['parent_module', 'tab_id', 'tab_label', 'tab_icon']) c.string(l1, k, `${p}.level1`, true);
    c.insidePath(l1, 'panel_entry', `${p}.level1`, true);
  }
  const l2 = c.object(integration, 'level2', p);
  if (l2 && c.stringArray(l2, 'slots', `${p}.level2`) === undefined && l2.slots === undefined) c.fail(`${p}.level2.slots`, 'required, an array of slot names');
  const l3 = c.object(integration, 'level3', p);
  if (l3) {
    for (const k of ['assistant_id', 'assistant_name']) c.string(l3, k, `${p}.level3`, true);
    c.insidePath(l3, 'system_prompt_file', `${p}.level3`, true);
  }
  const l4 = c.object(integration, 'level4', p);
  if (l4) c.stringArray(l4, 'workflow_step_types', `${p}.level4`);
}

function checkWindow(c: Checker, w: Json | undefined): void {
  if (!w) return;
  const p = '$.window';
  if (w.default_open_mode !== undefined && !OPEN_MODES.includes(w.default_open_mode as string)) c.fail(`${p}.default_open_mode`, `must be one of ${OPEN_MODES.join(', ')}`);
  if (w.reuse_key !== undefined && !REUSE_KEYS.includes(w.reuse_key as string)) c.fail(`${p}.reuse_key`, `must be one of ${REUSE_KEYS.join(', ')}`);
  if (w.allow_multiple !== undefined && typeof w.allow_multiple !== 'boolean') c.fail(`${p}.allow_multiple`, 'must be true or false');
  if (w.document_handlers === undefined) return;
  if (!Array.isArray(w.document_handlers)) return c.fail(`${p}.document_handlers`, 'must be an array');
  w.document_handlers.forEach((h: unknown, i) => {
    const hp = `${p}.document_handlers[${i}]`;
    if (!isObject(h)) return c.fail(hp, 'must be an object');
    c.string(h, 'route', hp, true);
    const ext = c.stringArray(h, 'extensions', hp) ?? [];
    const mime = c.stringArray(h, 'mime_types', hp) ?? [];
    if (ext.length === 0 && mime.length === 0) c.fail(hp, 'needs extensions or mime_types');
    ext.forEach((e, j) => /^\.[a-z0-9]+$/.test(e) || c.fail(`${hp}.extensions[${j}]`, `"${e}" must be lower case and start with a dot`));
  });
}

/**
 * Checks a manifest as the contract describes it (contract §2). Unknown keys are ignored, as the
 * original host does; every problem found is reported with its JSON path.
 */
export function validateManifest(data: unknown, ctx: ValidationContext): ManifestResult {
  if (!isObject(data)) return { ok: false, errors: ['$: manifest.json must hold a JSON object'] };
  const c = new Checker();
  const id = c.string(data, 'id', '$', true);
  if (id !== undefined && (!PLUGIN_ID.test(id) || id.length > 128)) c.fail('$.id', `"${id}" is not a reverse-DNS id of lower-case letters, digits and hyphens (like dev.example.my-plugin)`);
  for (const k of ['name', 'description', 'author']) c.string(data, k, '$', true);
  c.semver(data, 'version', '$', true);
  for (const k of ['long_description', 'author_url', 'homepage', 'license', 'checksum']) c.string(data, k, '$', false);
  c.insidePath(data, 'icon', '$');
  c.stringArray(data, 'keywords', '$');

  const compat = c.object(data, 'compatibility', '$', true);
  if (compat) {
    const minApp = c.semver(compat, 'min_app_version', '$.compatibility', true);
    const maxApp = c.semver(compat, 'max_app_version', '$.compatibility', false);
    const minApi = c.semver(compat, 'min_host_api_version', '$.compatibility', false);
    if (minApp && compareSemver(minApp, ctx.appVersion) > 0) c.fail('$.compatibility.min_app_version', `needs HaloForge ${minApp}; this host implements the plugin contract of ${ctx.appVersion}`);
    if (maxApp && compareSemver(maxApp, ctx.appVersion) < 0) c.fail('$.compatibility.max_app_version', `supports HaloForge up to ${maxApp}; this host implements ${ctx.appVersion}`);
    if (minApi && compareSemver(minApi, ctx.hostApiVersion) > 0) c.fail('$.compatibility.min_host_api_version', `needs host API ${minApi}; this host provides ${ctx.hostApiVersion}`);
    const platforms = c.stringArray(compat, 'platforms', '$.compatibility', PLATFORMS);
    if (platforms && platforms.length === 0) c.fail('$.compatibility.platforms', 'must name at least one platform');
    if (platforms && platforms.length > 0 && !platforms.includes(ctx.platform)) c.fail('$.compatibility.platforms', `the plugin supports ${platforms.join(', ')}, not ${ctx.platform}`);
  }

  const levels = data.capability_levels;
  if (!Array.isArray(levels) || levels.length === 0) c.fail('$.capability_levels', 'required, a non-empty array of levels 0-4');
  else levels.forEach((l: unknown, i) => (Number.isInteger(l) && (l as number) >= 0 && (l as number) <= 4) || c.fail(`$.capability_levels[${i}]`, `${JSON.stringify(l)} is not a capability level 0-4`));

  checkIntegration(c, c.object(data, 'integration', '$'));
  checkWindow(c, c.object(data, 'window', '$'));

  const entry = c.object(data, 'entry', '$');
  if (entry) {
    const native = c.object(entry, 'native', '$.entry');
    if (native) {
      for (const key of Object.keys(native)) {
        if (!NATIVE_TARGETS.includes(key)) c.fail(`$.entry.native.${key}`, `unknown target; use one of ${NATIVE_TARGETS.join(', ')}`);
        else c.insidePath(native, key, '$.entry.native', true);
      }
    }
    c.insidePath(entry, 'frontend', '$.entry');
    c.insidePath(entry, 'frontend_styles', '$.entry');
  }

  if (data.dependencies !== undefined) {
    if (!Array.isArray(data.dependencies)) c.fail('$.dependencies', 'must be an array');
    else data.dependencies.forEach((d: unknown, i) => {
      if (!isObject(d)) return c.fail(`$.dependencies[${i}]`, 'must be an object with id and version');
      c.string(d, 'id', `$.dependencies[${i}]`, true);
      c.string(d, 'version', `$.dependencies[${i}]`, true);
    });
  }
  checkPermissions(c, data.permissions);
  c.stringArray(data, 'host_capabilities', '$', HOST_CAPABILITIES);
  c.object(data, 'settings_schema', '$');
  if (data.commands !== undefined) {
    if (!Array.isArray(data.commands)) c.fail('$.commands', 'must be an array');
    else data.commands.forEach((cmd: unknown, i) => {
      if (!isObject(cmd)) return c.fail(`$.commands[${i}]`, 'must be an object with an id');
      const cid = c.string(cmd, 'id', `$.commands[${i}]`, true);
      if (cid !== undefined && !/^[A-Za-z0-9_]+$/.test(cid)) c.fail(`$.commands[${i}].id`, `"${cid}" may hold only letters, digits and _ (it becomes part of a wire name)`);
      if (cmd.exported !== undefined && typeof cmd.exported !== 'boolean') c.fail(`$.commands[${i}].exported`, 'must be true or false');
    });
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, manifest: { permissions: [], ...data } as unknown as Manifest };
}
