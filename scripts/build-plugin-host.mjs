// Builds the plugin host script (main/plugin-host/) as one CommonJS file, out/plugin-host/index.cjs,
// apart from electron-vite's ES-module build of main. Every plugin load starts a Node on it, and
// Node 20's ES module loader is the largest part of that start: importing ffi-rs from an ES module
// took 71 ms where requiring it took 54 ms (a bare Node: 45 ms), and the sandbox binds only the
// files the script names (core/sandbox/host-view), so one file with nothing split out is also the
// least to bind. ffi-rs and its native bindings stay external: they are found in node_modules.
import { join } from 'node:path';
import { build } from 'vite';
import { root } from './native-env.mjs';

await build({
  configFile: false,
  logLevel: 'warn',
  root,
  build: {
    ssr: join(root, 'main', 'plugin-host', 'index.ts'),
    outDir: join(root, 'out', 'plugin-host'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: { external: ['ffi-rs', '@yuuang/ffi-rs-linux-x64-gnu', '@yuuang/ffi-rs-linux-arm64-gnu'], output: { format: 'cjs', entryFileNames: 'index.cjs' } },
  },
  ssr: { noExternal: true },
});
