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

test.describe('the small things', () => {
  test.use({ samples: ['hello', 'fetcher'] });

  test('buttons only where they can work, the toggle only where it applies, logs that pause, and a favicon', async ({ page, webHost }) => {
    await page.goto(webHost.url);
    const fetcher = page.getByRole('listitem', { name: 'Fetcher' });
    await expect(fetcher.getByText(/Waiting for your approval/)).toBeVisible();
    await expect(fetcher.getByRole('button', { name: 'Restart' })).toBeDisabled();
    await expect(fetcher.getByLabel('Local network access for Fetcher')).toBeVisible();
    const hello = page.getByRole('listitem', { name: 'My Plugin' });
    await expect(hello.getByRole('button', { name: 'Restart' })).toBeEnabled();
    await expect(hello.getByLabel('Local network access for My Plugin')).toHaveCount(0);
    expect(await page.evaluate(async () => (await fetch('/favicon.svg')).headers.get('content-type'))).toBe('image/svg+xml');

    await page.getByRole('button', { name: 'Logs' }).click();
    const log = page.getByRole('log', { name: 'Log records' });
    await page.getByLabel('follow new lines').uncheck();
    const before = await log.locator('.line').count();
    // A line written while paused waits; nothing is lost.
    await page.getByRole('button', { name: 'Plugins' }).click();
    await hello.getByRole('button', { name: 'Restart' }).click();
    await page.getByRole('button', { name: 'Logs' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Paused: \d+ new line\(s\) since/ })).toBeVisible();
    expect(await log.locator('.line').count()).toBe(before);
    await page.getByRole('button', { name: 'Show them and follow' }).click();
    await expect(log).toContainText('dev.example.my-plugin');
    expect(await log.locator('.line').count()).toBeGreaterThan(before);
    const atBottom = await log.evaluate((el) => Math.abs(el.scrollHeight - el.clientHeight - el.scrollTop) < 2);
    expect(atBottom).toBe(true);
  });
});
