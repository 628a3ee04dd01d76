import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../test/helpers/fixtures';
import { startTestServer, type TestServer } from '../test/helpers/servers';
import { expect, samplePath, screenshotPath, test } from './fixtures';

let server: TestServer;
test.beforeAll(async () => {
  server = await startTestServer();
});
test.afterAll(() => server.close());

/** The command line, beside the running app, on the same data folder. */
function haloforge(home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// Placed by hand before the app started: it waits for approval.
test.use({ samples: ['fetcher'] });

test('the command line changes what the open panels show at once: approve, install, disable, revoke', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  const fetcher = page.getByRole('listitem', { name: 'Fetcher' });
  await expect(fetcher.getByText(/Waiting for your approval/)).toBeVisible();

  haloforge(webHost.home, 'approve', 'dev.haloforge.sample.fetcher', '--yes');
  await expect(fetcher.getByText('active', { exact: true })).toBeVisible();
  await expect(fetcher.getByText(/Waiting for your approval/)).toBeHidden();

  haloforge(webHost.home, 'install', samplePath('hello'));
  const hello = page.getByRole('listitem', { name: 'My Plugin' });
  await expect(hello.getByText('active', { exact: true })).toBeVisible();
  haloforge(webHost.home, 'disable', 'dev.example.my-plugin');
  await expect(hello.getByRole('button', { name: 'Enable' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('changed-from-the-command-line'), fullPage: true });
  haloforge(webHost.home, 'enable', 'dev.example.my-plugin');
  await expect(hello.getByRole('button', { name: 'Disable' })).toBeVisible();
  await expect(hello.getByText('active', { exact: true })).toBeVisible();

  // A grant given in the panel, revoked from the command line: gone from Grants, and asked again.
  haloforge(webHost.home, 'install', samplePath('browser'), '--yes');
  const browser = page.getByRole('listitem', { name: 'Browser' });
  await browser.getByLabel('Local network access for Browser').check();
  const url = `http://127.0.0.1:${server.port}/json`;
  const invoke = async () => {
    await page.getByRole('button', { name: 'Console' }).click();
    await page.getByLabel('Plugin', { exact: true }).selectOption({ label: 'Browser (dev.haloforge.sample.browser)' });
    await page.getByLabel('Command', { exact: true }).selectOption('fetch_json');
    await page.getByLabel('Arguments (JSON)').fill(JSON.stringify({ url }));
    await page.getByRole('button', { name: 'Invoke' }).click();
  };
  await invoke();
  const prompt = page.getByRole('alertdialog', { name: 'Allow network access?' });
  await prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} always` }).click();
  await expect(page.getByRole('region', { name: /^(Result|Error)$/ })).toContainText('"status": 200');
  await page.getByRole('button', { name: 'Grants' }).click();
  await expect(page.getByRole('region', { name: 'Grants of Browser' })).toBeVisible();
  const [grant] = JSON.parse(haloforge(webHost.home, 'grants', '--plugin', 'dev.haloforge.sample.browser')) as Array<{ id: string }>;
  haloforge(webHost.home, 'revoke', grant?.id ?? '');
  await expect(page.getByText('No grants.')).toBeVisible();
  await invoke();
  await expect(prompt).toBeVisible();
});
