import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { systemFolders, systemLinks } from './bubblewrap';
import { SANDBOX_ID, type SandboxView } from './view';

/** What the plugin host needs to run, wherever the app is installed. */
export interface HostRuntime {
  /** Node, or Electron's binary run as Node (`ELECTRON_RUN_AS_NODE=1`). */
  runtime: string;
  /** The built plugin host script (out/plugin-host/index.cjs). */
  hostScript: string;
  /** The app's folder: its package.json and node_modules. */
  appRoot: string;
}

/**
 * The files a plugin host reads, but for its bridge: the runtime, its script and the modules that
 * script requires (and only those), the dynamic loader's cache. All read-only. Computed once per
 * launcher, since none of it changes while the app runs; the bridge (one per compiler) comes with
 * each plugin (see pluginHostView).
 */
export function runtimeFiles(r: HostRuntime): { readOnly: string[]; readOnlyIfPresent: string[] } {
  const runtime = realpathSync(r.runtime);
  const readOnly = new Set<string>([...systemFolders(), r.hostScript, join(r.appRoot, 'package.json')]);
  // Node under /usr is already in view; elsewhere (nvm, Electron's dist folder with its resources)
  // the runtime's own folder is needed.
  if (!runtime.startsWith('/usr/')) readOnly.add(dirname(runtime));
  for (const module of requiredModules(r.hostScript)) readOnly.add(module);
  for (const pkg of requiredPackages(r.hostScript, r.appRoot)) readOnly.add(pkg);
  return { readOnly: [...readOnly], readOnlyIfPresent: ['/etc/ld.so.cache', '/etc/localtime'] };
}

// The plugin host script is CommonJS (scripts/build-plugin-host.mjs builds it as one file, so it
// requires no file of its own today; should a build split one out, it is followed and bound).
const RELATIVE_REQUIRE = /\brequire\(\s*["'](\.[^"']+)["']\s*\)/g;
const PACKAGE_REQUIRE = /\brequire\(\s*["']([^./"'][^"']*)["']\s*\)/g;

/** The script's own module files (any a build split out), followed through their requires. */
function requiredModules(script: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_REQUIRE)) {
      const next = resolve(dirname(file), m[1] as string);
      if (!seen.has(next)) {
        seen.add(next);
        visit(next);
      }
    }
  };
  visit(script);
  return [...seen];
}

/** The npm packages the script and its modules require (not Node's own), with their installed optional dependencies (native bindings). */
function requiredPackages(script: string, appRoot: string): string[] {
  const names = new Set<string>();
  for (const file of [script, ...requiredModules(script)]) {
    for (const m of readFileSync(file, 'utf8').matchAll(PACKAGE_REQUIRE)) {
      const spec = m[1] as string;
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
    }
  }
  const folders: string[] = [];
  for (const name of names) {
    const folder = join(appRoot, 'node_modules', name);
    if (!existsSync(folder)) continue;
    folders.push(folder);
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      const depFolder = join(appRoot, 'node_modules', dep);
      if (existsSync(depFolder)) folders.push(depFolder);
    }
  }
  return folders;
}

/**
 * The folder holding the Rust std the bridge links (built with `-C prefer-dynamic`; see
 * scripts/native-env.mjs), recorded by the build beside the bridge.
 */
export function rustStdDir(bridgePath: string): string | undefined {
  const record = join(dirname(bridgePath), 'hf-bridge-runtime.json');
  if (!existsSync(record)) return undefined;
  const { stdDir } = JSON.parse(readFileSync(record, 'utf8')) as { stdDir?: string };
  return stdDir && existsSync(stdDir) ? stdDir : undefined;
}

/**
 * A plugin host's whole view: the runtime and its plugin's bridge read-only, its plugin's folder read-only, the plugin's
 * data folder read-write, a private /tmp; no network but its own loopback. Nothing of the user's,
 * nothing else of the data folder (grants, plugins.json, audit, settings, logs, other plugins).
 */
export function pluginHostView(runtime: { readOnly: string[]; readOnlyIfPresent: string[] }, plugin: { dir: string; dataDir: string; bridge: { path: string; stdDir: string | undefined } }): SandboxView {
  return {
    readOnly: [...runtime.readOnly, plugin.dir, plugin.bridge.path, ...(plugin.bridge.stdDir ? [plugin.bridge.stdDir] : [])],
    readOnlyIfPresent: runtime.readOnlyIfPresent,
    readWrite: [plugin.dataDir],
    symlinks: systemLinks(),
    network: false,
    uid: SANDBOX_ID,
    gid: SANDBOX_ID,
  };
}
