import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, screenshotPath, screenshotsOf, test } from './fixtures';
import { installSample, root, tempHome } from '../test/helpers/fixtures';
import { startTestServer } from '../test/helpers/servers';
import { launchWebHost } from '../test/helpers/web-process';

test('when the host stops, the panels say so and stop every action; when it is back on its port with a new token, they say it restarted', async ({ page }) => {
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
    // A while later, the banner says what to do if the host was restarted elsewhere.
    await expect(page.getByRole('alert')).toContainText('If you restarted it and this stays, open the address npm start printed.', { timeout: 15_000 });
    await screenshotsOf(page, 'reconnecting-for-a-while');

    // Started again, the host takes the port it had (remembered in the data folder): the open tab finds it.
    host = await launchWebHost(home);
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

test.describe('network activity as evidence', () => {
  test.use({ samples: ['browser', 'hello'] });

  test('one row per request with its decision and outcome, every hop in its details, searchable, and exported exactly as filtered', async ({ page, webHost }) => {
    const server = await startTestServer();
    try {
      const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), 'approve', 'dev.haloforge.sample.browser', '--yes'], { env: { ...process.env, HALOFORGE_HOME: webHost.home }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      await page.goto(webHost.url);
      const browser = page.getByRole('listitem', { name: 'Browser' });
      await expect(browser.getByText('active', { exact: true })).toBeVisible();
      await browser.getByLabel('Local network access for Browser').check();
      const base = `http://127.0.0.1:${server.port}`;
      const call = async (url: string) => {
        await page.getByRole('button', { name: 'Console' }).click();
        await page.getByLabel('Plugin', { exact: true }).selectOption({ label: 'Browser (dev.haloforge.sample.browser)' });
        await page.getByLabel('Command', { exact: true }).selectOption('fetch_json');
        await page.getByLabel('Arguments (JSON)').fill(JSON.stringify({ url }));
        await page.getByRole('button', { name: 'Invoke' }).click();
      };
      await call(`${base}/redirect?to=${encodeURIComponent(`${base}/json`)}`);
      await page.getByRole('alertdialog', { name: 'Allow network access?' }).getByRole('button', { name: `Allow ${base} always` }).click();
      await expect(page.getByRole('region', { name: /^(Result|Error)$/ })).toContainText('"status": 200');
      await call(`${base}/json?token=secret`);
      await expect(page.getByRole('region', { name: /^(Result|Error)$/ })).toContainText('"status": 200');

      await page.getByRole('button', { name: 'Network activity' }).click();
      const list = page.getByRole('table', { name: 'Audit log' });
      // The approval, the local network toggle and the grant are records too; requests only here.
      await page.getByLabel('Kind').selectOption({ label: 'Network' });
      await expect(page.getByRole('status').filter({ hasText: /^2 records$/ })).toBeVisible();
      const redirected = list.getByRole('row').filter({ hasText: '/redirect' });
      await expect(redirected).toContainText('asked: always');
      await expect(redirected).toContainText(/200 · \d+ B · \d+ ms/);
      await redirected.click();
      const details = page.getByRole('region', { name: 'Record details' });
      await expect(details.getByRole('list', { name: 'Every line of this record' }).getByRole('listitem')).toHaveCount(4);
      await expect(details).toContainText('hop 1');
      await page.screenshot({ path: screenshotPath('network-activity-evidence'), fullPage: true });

      await page.getByLabel('URL contains').fill('token=');
      await page.getByLabel('URL contains').press('Enter');
      await expect(page.getByRole('status').filter({ hasText: /^1 record$/ })).toBeVisible();
      await expect(list).toContainText('token=REDACTED');
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export CSV' }).click();
      const csv = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
      expect(csv).toHaveLength(2);
      expect(csv[1]).toContain('token=REDACTED');

      await page.getByLabel('Host').fill('nowhere.example');
      await page.getByLabel('Host').press('Enter');
      await expect(page.getByText('Nothing recorded matches this filter.')).toBeVisible();
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expect(page.getByRole('status').filter({ hasText: /^5 records$/ })).toBeVisible();
      await page.getByLabel('To', { exact: true }).fill('2001-01-01T00:00:00');
      await page.getByLabel('To', { exact: true }).press('Enter');
      await expect(page.getByRole('status').filter({ hasText: /^0 records$/ })).toBeVisible();
    } finally {
      await server.close();
    }
  });
});
