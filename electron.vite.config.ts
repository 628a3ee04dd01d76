import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// One core, several entry points: the Electron app, the web host (design §6) and the command line
// are all built from main/. The plugin host process is built from main/ too, as one CommonJS file
// of its own (scripts/build-plugin-host.mjs): it starts once per plugin load.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/electron/index.ts'),
          web: resolve(__dirname, 'main/web/index.ts'),
          cli: resolve(__dirname, 'main/cli/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot be ES modules.
      rollupOptions: { input: { index: resolve(__dirname, 'preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [vue()],
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
