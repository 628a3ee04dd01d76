import { join } from 'node:path';
import { test as base, type Page } from '@playwright/test';
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

import { expect } from '@playwright/test';
export { expect };

/**
 * Approves, one by one as the install screen asks, every permission it lists as waiting, then
 * installs: what a user who approves them all does.
 */
export async function approveEachAndInstall(page: Page): Promise<void> {
  const region = page.getByRole('region', { name: 'Install a plugin' });
  const boxes = region.getByRole('checkbox', { name: /^Approve / });
  await expect(region.getByRole('list', { name: 'Permissions' }).or(region.getByText('No permissions.'))).toBeVisible();
  for (const box of await boxes.all()) await box.check();
  await region.getByRole('button', { name: /^(Approve \d+ and install|Install)$/ }).click();
}
