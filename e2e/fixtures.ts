import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { root, type InstallOptions } from '../test/helpers/fixtures';
import { startWebHostProcess, type RunningWebHost } from '../test/helpers/web-process';

export const test = base.extend<{ samples: Array<string | InstallOptions>; webHost: RunningWebHost }>({
  samples: [[], { option: true }],
  webHost: async ({ samples }, use) => {
    const { host, stop } = await startWebHostProcess(samples);
    await use(host);
    await stop();
  },
});

/** Where `npm run build` puts the ready-to-install samples. */
export const samplePath = (name: string): string => join(root, 'out', 'samples', name);

export const screenshotPath = (name: string): string => join(root, 'e2e', 'artifacts', `${name}.png`);

export { expect } from '@playwright/test';
