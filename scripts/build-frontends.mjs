// Builds what plugin frames load: the frame runtime (React 19 and the globals SDK bundles read, one
// IIFE script) and the sample plugins' frontends, each an IIFE bundle as HaloForge's plugins ship
// them (the SDK and @tauri-apps/api inline, React external). The SDK is the one inside the
// haloforge-plugin-api 0.2.17 crate (npm does not serve it), which native/compat fetches.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'vite';
import { nativeDir, root } from './native-env.mjs';

const out = join(root, 'out');
const quiet = { configFile: false, logLevel: 'warn', root };

async function iife(entry, outDir, name, extra = {}) {
  await build({
    ...quiet,
    resolve: extra.resolve,
    oxc: extra.oxc,
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      lib: { entry, formats: ['iife'], name, fileName: () => extra.fileName ?? 'index.js', cssFileName: 'index' },
      rollupOptions: extra.rollupOptions,
    },
  });
}

// Served by this name (main/core/app-paths.ts).
await iife(join(root, 'renderer', 'frame-runtime', 'runtime.ts'), join(out, 'frame-runtime'), 'HaloForgeFrameRuntime', { fileName: 'frame-runtime.js' });

/** The SDK's TypeScript source, copied out of cargo's registry into out/ so it resolves our node_modules. */
function sdkSource() {
  const manifest = join(nativeDir, 'compat', 'api-0.2.17', 'Cargo.toml');
  const r = spawnSync('cargo', ['metadata', '--format-version', '1', '--locked', '--manifest-path', manifest], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cargo metadata failed for ${manifest}: ${r.stderr}`);
  const api = JSON.parse(r.stdout).packages.find((p) => p.name === 'haloforge-plugin-api');
  const src = join(dirname(api.manifest_path), 'sdk', 'src');
  if (!existsSync(src)) throw new Error(`haloforge-plugin-api ${api.version} has no sdk/ (only 0.2.13 and 0.2.17 ship it)`);
  const into = join(out, `haloforge-plugin-sdk-${api.version}`);
  rmSync(into, { recursive: true, force: true });
  cpSync(src, join(into, 'src'), { recursive: true });
  return join(into, 'src', 'index.ts');
}

const samples = join(nativeDir, 'plugins');
const withFrontends = readdirSync(samples).filter((name) => existsSync(join(samples, name, 'frontend-src', 'index.tsx')));
if (withFrontends.length > 0) {
  const sdk = sdkSource();
  for (const name of withFrontends) {
    const into = join(out, 'samples', name, 'frontend');
    mkdirSync(into, { recursive: true });
    await iife(join(samples, name, 'frontend-src', 'index.tsx'), into, 'HaloForgePlugin', {
      resolve: { alias: { '@haloforge/plugin-sdk': sdk } },
      oxc: { jsx: { runtime: 'automatic' } },
      rollupOptions: {
        external: ['react', 'react-dom', 'react/jsx-runtime'],
        // lucide-react marks its modules "use client", which means nothing in a bundle.
        onwarn: (w, warn) => w.code !== 'MODULE_LEVEL_DIRECTIVE' && warn(w),
        output: { globals: { react: 'React', 'react-dom': 'ReactDOM', 'react/jsx-runtime': 'jsxRuntime' } },
      },
    });
  }
}
