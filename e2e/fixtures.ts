import { spawn, spawnSync } from 'node:child_process';
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

/** The command line, beside the running app, on the same data folder: its stdout, once it exited 0. */
export function cli(home: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home }, encoding: 'utf8' });
  expect(r.status, `haloforge ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The command line started without waiting for it (a command that waits on a prompt): resolves with its exit and output. */
export function cliLater(home: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

/** Screenshots of the page as it is now at 1280 and 800 px, in the light and the dark theme (`<name>-<theme>-<width>`). */
export async function screenshotsOf(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: screenshotPath(`${name}-${theme}-${width}`), fullPage: true });
    }
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = localStorage.getItem('hf:theme') ?? 'light'));
  await page.setViewportSize(before);
}
