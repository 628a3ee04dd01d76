import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding HaloForge Host's package.json, found from wherever this code was built to. */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'haloforge-host') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find HaloForge Host's package.json above ${from}`);
  }
}

/**
 * Where the build puts what the core starts: the host bridge cdylib, the plugin host script, the
 * supervisor of each plugin host's sandbox, the program shim and gate (design §8.1), and the runtime plugin frames load (React and the
 * globals SDK bundles read).
 */
export function builtArtifacts(root: string = appRoot(), env: NodeJS.ProcessEnv = process.env): { bridgePath: string; pluginHostScript: string; frameRuntime: string; supervisor: string; shim: string; gate: string } {
  return {
    supervisor: join(root, 'native', 'target', 'release', 'hf-supervisor'),
    shim: join(root, 'native', 'target', 'release', 'hf-shim'),
    gate: join(root, 'native', 'target', 'release', 'hf-gate'),
    frameRuntime: join(root, 'out', 'frame-runtime', 'frame-runtime.js'),
    bridgePath: env.HALOFORGE_BRIDGE ?? join(root, 'native', 'target', 'release', 'libhf_host_bridge.so'),
    pluginHostScript: env.HALOFORGE_PLUGIN_HOST_SCRIPT ?? join(root, 'out', 'plugin-host', 'index.cjs'),
  };
}
