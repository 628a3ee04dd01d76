import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['main/**/*.test.ts', 'renderer/**/*.test.ts'], environment: 'node' } },
      {
        // Real cdylibs through real plugin host processes: needs `npm run build` (npm test does it).
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false },
      },
    ],
  },
});
