import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { root } from '../test/helpers/fixtures';
import { startTestServer, type TestServer } from '../test/helpers/servers';
import { expect, screenshotPath, test } from './fixtures';

const PANEL = 'dev.haloforge.sample.hello-panel';

let server: TestServer;
test.beforeAll(async () => {
  server = await startTestServer();
});
test.afterAll(() => server.close());

function haloforge(home: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The plugin host processes of a plugin: the processes whose command line names its data folder. */
/** The plugin host processes of a plugin: Node running the plugin host script with its data folder as HOME. */
function pluginHostPids(home: string, pluginId: string): number[] {
  const marker = `HOME=${join(home, 'plugins', pluginId, 'data')}\0`;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('plugin-host') && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function openPanel(page: Page, url: string, home: string) {
  haloforge(home, 'approve', PANEL, '--yes');
  await page.goto(url);
  await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' }).click();
  return page.frameLocator('iframe[title="Hello Panel"]');
}

test.use({ samples: ['hello-panel', 'notes'] });

test('a plugin frontend in its own frame: its panel calls its own command and hears its events', async ({ page, webHost }) => {
  const frame = await openPanel(page, webHost.url, webHost.home);
  await expect(frame.getByRole('heading', { name: 'Hello Panel' })).toBeVisible();
  await frame.getByLabel('Your name').fill('Ada');
  await frame.getByRole('button', { name: 'Greet' }).click();
  await expect(frame.getByRole('status', { name: 'Greeting' })).toHaveText('Hello, Ada! (greeting 1)');
  await expect(frame.getByLabel('Events heard')).toHaveText('greeted events heard: 1');
  // A PluginError reaches the frame as its Display text.
  await frame.getByLabel('Your name').fill('');
  await frame.getByRole('button', { name: 'Greet' }).click();
  await expect(frame.getByRole('alert', { name: 'Greeting' })).toHaveText('tell me your name first');
  // The frame's origin is its own: not the panels', and it cannot reach into them.
  const frameOrigin = await page.frame({ url: /p-[0-9a-f]{20}\.app\.localhost/ })?.evaluate(() => window.location.origin);
  expect(frameOrigin).toMatch(/^http:\/\/p-[0-9a-f]{20}\.app\.localhost:\d+$/);
  expect(await page.frame({ url: /p-[0-9a-f]{20}/ })?.evaluate(() => { try { return String(window.parent.document.title); } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
});

test("a frame cannot call another plugin's command it does not export: refused, and in the audit", async ({ page, webHost }) => {
  const frame = await openPanel(page, webHost.url, webHost.home);
  await frame.getByRole('button', { name: 'Call list_notes' }).click();
  await expect(frame.getByRole('alert', { name: 'Cross-plugin call' })).toContainText('Permission denied: plugin dev.haloforge.sample.hello-panel may not call plugin_dev_haloforge_sample_notes_list_notes');
  const audit = JSON.parse(haloforge(webHost.home, 'audit', '--plugin', PANEL)) as Array<{ method: string; url: string; decision: string }>;
  expect(audit).toContainEqual(expect.objectContaining({ method: 'INVOKE', url: 'plugin://dev.haloforge.sample.notes/list_notes', decision: 'deny' }));
});

test('a frame cannot fetch a loopback URL: nothing reaches the server', async ({ page, webHost }) => {
  const frame = await openPanel(page, webHost.url, webHost.home);
  const before = server.seen.length;
  await frame.getByLabel('Fetch a URL').fill(`http://127.0.0.1:${server.port}/json`);
  await frame.getByRole('button', { name: 'Fetch' }).click();
  await expect(frame.getByRole('alert', { name: 'Fetch' })).toContainText('blocked: Failed to fetch');
  expect(server.seen.length).toBe(before);
});

test('the theme follows the host, light and dark', async ({ page, webHost }) => {
  const frame = await openPanel(page, webHost.url, webHost.home);
  await frame.getByLabel('Your name').fill('Grace');
  await frame.getByRole('button', { name: 'Greet' }).click();
  const background = () => frame.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
  const goLight = page.getByRole('button', { name: 'Switch to light theme' });
  if (await goLight.isVisible()) await goLight.click();
  await expect.poll(background).toBe('rgb(245, 246, 248)');
  await page.screenshot({ path: screenshotPath('plugin-frontend-light'), fullPage: true });
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect.poll(background).toBe('rgb(20, 22, 26)');
  await expect(frame.getByText(/background #14161a/)).toBeVisible();
  await page.screenshot({ path: screenshotPath('plugin-frontend-dark'), fullPage: true });
});

test('its DevKit toolbar button works, and a crash of its plugin host shows in its place until it is back', async ({ page, webHost }) => {
  await openPanel(page, webHost.url, webHost.home);
  await page.getByRole('button', { name: 'DevKit' }).click();
  const toolbar = page.frameLocator('iframe[title="Hello Panel in the DevKit toolbar"]');
  // The host names the plugin beside what it draws in the toolbar.
  await expect(page.getByRole('region', { name: 'DevKit toolbar' }).getByTitle('Everything in this frame is drawn by the plugin Hello Panel (dev.haloforge.sample.hello-panel), not by HaloForge Host')).toContainText('Hello Panel');
  await toolbar.getByRole('button', { name: 'Say hello' }).click();
  await expect(toolbar.getByLabel('Toolbar greetings')).toHaveText('1');
  await page.screenshot({ path: screenshotPath('devkit-toolbar'), fullPage: true });

  await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' }).click();
  const pids = pluginHostPids(webHost.home, PANEL);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await expect(page.getByRole('status', { name: 'Hello Panel state' })).toContainText(/Hello Panel (is restarting after|stopped): /);
  // Restarted after a second: the frame is back, and the count starts again in the new process.
  const frame = page.frameLocator('iframe[title="Hello Panel"]');
  await frame.getByLabel('Your name').fill('again');
  await frame.getByRole('button', { name: 'Greet' }).click();
  await expect(frame.getByRole('status', { name: 'Greeting' })).toHaveText('Hello, again! (greeting 1)');
});

test("the host's file dialog: the plugin learns only the folder the user chose, which becomes its grant", async ({ page, webHost }) => {
  const folder = mkdtempSync(join(tmpdir(), 'hf-chosen-'));
  writeFileSync(join(folder, 'a.txt'), 'a');
  writeFileSync(join(folder, 'b.md'), 'b');
  try {
    const frame = await openPanel(page, webHost.url, webHost.home);
    await frame.getByRole('button', { name: 'Choose a folder…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a folder for Hello Panel' });
    await expect(dialog).toContainText('Hello Panel says: “Pick a folder to list”');
    await dialog.getByLabel('Folder', { exact: true }).fill(folder);
    await page.screenshot({ path: screenshotPath('file-dialog'), fullPage: true });
    await dialog.getByRole('button', { name: 'Choose' }).click();
    await expect(frame.getByRole('status', { name: 'Folder' })).toHaveText(`${folder}: a.txt, b.md`);
    await page.getByRole('button', { name: 'Grants' }).click();
    await expect(page.getByRole('region', { name: 'Grants of Hello Panel' })).toContainText(folder);
    // Cancelling tells the plugin nothing.
    await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' }).click();
    await frame.getByRole('button', { name: 'Choose a folder…' }).click();
    await page.getByRole('dialog', { name: 'Choose a folder for Hello Panel' }).getByRole('button', { name: 'Cancel' }).click();
    await expect(frame.getByRole('status', { name: 'Folder' })).toHaveText('no folder chosen');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.describe('a level 1 frontend', () => {
  // The same plugin, as git and p4 ask to be shown: a tab in DevKit instead of a module of its own.
  test.use({
    samples: [
      {
        sample: 'hello-panel',
        manifest: (m) => {
          m.capability_levels = [1];
          m.integration = { level1: { parent_module: 'devkit', tab_id: 'hello', tab_label: 'Hello', tab_icon: 'Hand', panel_entry: 'frontend/index.js' } };
        },
      },
    ],
  });

  test('shows as a tab in DevKit, and not in the sidebar', async ({ page, webHost }) => {
    haloforge(webHost.home, 'approve', PANEL, '--yes');
    await page.goto(webHost.url);
    await expect(page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' })).toHaveCount(0);
    await page.getByRole('button', { name: 'DevKit' }).click();
    await expect(page.getByRole('tab', { name: 'Hello' })).toHaveAttribute('aria-selected', 'true');
    const frame = page.frameLocator('iframe[title="Hello Panel: Hello"]');
    await frame.getByLabel('Your name').fill('Tab');
    await frame.getByRole('button', { name: 'Greet' }).click();
    await expect(frame.getByRole('status', { name: 'Greeting' })).toHaveText('Hello, Tab! (greeting 1)');
    await expect(page.getByRole('region', { name: 'DevKit toolbar' })).toContainText('No plugin adds to the toolbar.');
  });
});
