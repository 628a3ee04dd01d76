import { expect, screenshotPath, test } from './fixtures';
import { installSample, tempHome } from '../test/helpers/fixtures';
import { launchWebHost } from '../test/helpers/web-process';

test('when the host stops, the panels say so and stop every action; when it is back with a new token, they say it restarted', async ({ page }) => {
  const { home, cleanup } = tempHome();
  installSample(home, { sample: 'hello' });
  let host = await launchWebHost(home);
  try {
    await page.goto(host.url);
    await expect(page.getByRole('listitem', { name: 'My Plugin' }).getByText('active', { exact: true })).toBeVisible();
    await host.end('SIGKILL');
    await expect(page.getByRole('alert').filter({ hasText: 'Disconnected from HaloForge Host; reconnecting…' })).toBeVisible();
    await expect(page.getByRole('main')).toHaveAttribute('inert', '');
    await expect(page.getByRole('navigation', { name: 'Panels' })).toHaveAttribute('inert', '');
    await page.screenshot({ path: screenshotPath('disconnected'), fullPage: true });

    host = await launchWebHost(home, host.port);
    await expect(page.getByRole('alert').filter({ hasText: 'HaloForge Host was restarted' })).toBeVisible();
    await page.goto(host.url);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('listitem', { name: 'My Plugin' }).getByText('active', { exact: true })).toBeVisible();
  } finally {
    await host.end('SIGTERM');
    cleanup();
  }
});

test('a page without its token says so once, and offers nothing that cannot work', async ({ page }) => {
  const { home, cleanup } = tempHome();
  const host = await launchWebHost(home);
  try {
    await page.goto(host.url.split('#')[0] as string);
    await expect(page.getByRole('alert')).toHaveCount(1);
    await expect(page.getByRole('alert')).toContainText('open the address npm start printed');
    await expect(page.getByRole('main')).toHaveAttribute('inert', '');
  } finally {
    await host.end('SIGTERM');
    cleanup();
  }
});
