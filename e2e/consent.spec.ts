import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { installSample, sampleFolder, tempHome } from '../test/helpers/fixtures';
import { startTestServer, type TestServer } from '../test/helpers/servers';
import { launchWebHost } from '../test/helpers/web-process';
import { approveEachAndInstall, cli, cliLater, expect, samplePath, screenshotPath, screenshotsOf, test } from './fixtures';

const BROWSER = 'dev.haloforge.sample.browser';
const FETCHER = 'dev.haloforge.sample.fetcher';
const HELLO = 'dev.example.my-plugin';
const NOTES = 'dev.haloforge.sample.notes';

let server: TestServer;
let other: TestServer;
test.beforeAll(async () => {
  [server, other] = await Promise.all([startTestServer(), startTestServer()]);
});
test.afterAll(async () => {
  await Promise.all([server.close(), other.close()]);
});

async function go(page: Page, panel: string): Promise<void> {
  if ((page.viewportSize()?.width ?? 1280) < 900) await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: new RegExp(`^${panel}( |$)`) }).click();
}

async function fetchFromConsole(page: Page, url: string): Promise<void> {
  await go(page, 'Console');
  await page.getByLabel('Plugin', { exact: true }).selectOption({ label: `Browser (${BROWSER})` });
  await page.getByLabel('Command', { exact: true }).selectOption('fetch_json');
  await page.getByLabel('Arguments (JSON)').fill(JSON.stringify({ url }));
  await page.getByRole('button', { name: 'Invoke' }).click();
}

const result = (page: Page) => page.getByRole('region', { name: /^(Result|Error)$/ });
const prompt = (page: Page) => page.getByRole('alertdialog', { name: 'Allow network access?' });

/** The user's changes in the audit file as an export of the "Changes you made" filter holds them: plugin, kind, who. */
async function exportedChanges(page: Page): Promise<string[][]> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON lines' }).click();
  const lines = readFileSync(await (await download).path(), 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l) as { pluginId: string; method: string; change: string; by: string }).map((e) => [e.pluginId, e.method, e.change, e.by]);
}

test.describe('every change the user makes is evidence', () => {
  // Fetcher waits for approval; My Plugin declares a Restricted permission, off until turned on.
  // (An object first: a pair of [value, object] would read to Playwright as a value and its options.)
  test.use({ samples: [{ sample: 'hello', manifest: (m) => (m.permissions = [{ type: 'process_spawn' }]) }, 'fetcher'] });

  test('made in the panels and on the command line, each is a record of its own: who, when, what changed; filtered and exported', async ({ page, webHost }) => {
    page.on('dialog', (d) => void d.accept());
    await page.goto(webHost.url);
    const fetcher = page.getByRole('listitem', { name: 'Fetcher' });
    const hello = page.getByRole('listitem', { name: 'My Plugin' });

    // Panels: approve one permission, take it back; Restricted on (confirmed, named) and off.
    await fetcher.getByRole('button', { name: 'Approve network_http_domain:api.example.com for Fetcher' }).click();
    await expect(fetcher.getByText('active', { exact: true })).toBeVisible();
    await fetcher.getByRole('button', { name: 'Take back network_http_domain:api.example.com from Fetcher' }).click();
    await expect(fetcher.getByText(/Waiting for your approval/)).toBeVisible();
    await hello.getByRole('button', { name: 'Turn on process_spawn for My Plugin…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Turn on process_spawn for My Plugin?' });
    await expect(confirm).toContainText('Spawn arbitrary child processes');
    await expect(confirm).toContainText(HELLO);
    await expect(confirm).toBeFocused();
    await screenshotsOf(page, 'restricted-confirmation');
    await confirm.getByRole('button', { name: 'Turn on process_spawn' }).click();
    await expect(hello.getByRole('button', { name: 'Turn off process_spawn for My Plugin' })).toBeVisible();
    await hello.getByRole('button', { name: 'Turn off process_spawn for My Plugin' }).click();
    await expect(hello.getByRole('button', { name: 'Turn on process_spawn for My Plugin…' })).toBeVisible();

    // Install with its one permission approved, local network on, a grant given, narrowed, revoked; uninstalled.
    await go(page, 'Plugins');
    await page.getByRole('button', { name: 'Install…' }).click();
    await page.getByLabel('Plugin folder or .hfpkg file on this machine').fill(samplePath('browser'));
    await page.getByRole('button', { name: 'Check' }).click();
    await approveEachAndInstall(page);
    const browser = page.getByRole('listitem', { name: 'Browser' });
    await expect(browser.getByText('active', { exact: true })).toBeVisible();
    await browser.getByLabel('Local network access for Browser').check();
    const origin = `http://127.0.0.1:${server.port}`;
    await fetchFromConsole(page, `${origin}/json`);
    await prompt(page).getByRole('button', { name: `Allow ${origin} always` }).click();
    await expect(result(page)).toContainText('"status": 200');
    await go(page, 'Grants');
    await page.getByRole('button', { name: `Limit ${origin} to 24 hours` }).click();
    await expect(page.getByRole('region', { name: 'Grants of Browser' })).toContainText(/narrowed from always on .* \(panel\)/);
    await page.getByRole('button', { name: `Revoke ${origin}` }).click();
    await go(page, 'Plugins');
    await browser.getByRole('button', { name: 'Uninstall' }).click();
    await expect(browser).toBeHidden();

    // The command line, on the same data folder: install, grant, revoke, local network, Restricted, upgrade, uninstall.
    const installed = JSON.parse(cli(webHost.home, 'install', samplePath('notes'), '--yes', '--json')) as { permissions: Array<{ tier: string; type: string }> };
    const approvedNotes = installed.permissions.filter((p) => p.tier === 'Standard' || p.tier === 'Sensitive').length;
    const { home: scratch, cleanup } = tempHome();
    try {
      const granted = JSON.parse(cli(webHost.home, 'grant', NOTES, '--read', scratch)) as { grant: { id: string } };
      cli(webHost.home, 'revoke', granted.grant.id);
      cli(webHost.home, 'grant', NOTES, '--local-network', 'on');
      cli(webHost.home, 'restricted', HELLO, 'process_spawn', 'on');
      const next = sampleFolder(scratch, { sample: 'hello', manifest: (m) => ((m.version = '0.2.0'), (m.permissions = [{ type: 'process_spawn' }])) });
      cli(webHost.home, 'install', next, '--upgrade');
      cli(webHost.home, 'uninstall', NOTES);
    } finally {
      cleanup();
    }

    // Network activity: the changes as their own kind, each saying who made it.
    await go(page, 'Network activity');
    await page.getByLabel('Kind').selectOption({ label: 'Changes you made' });
    await expect(page.getByRole('status').filter({ hasText: /^\d+ records$/ })).toBeVisible();
    const list = page.getByRole('table', { name: 'Audit log' });
    await expect(list.getByRole('row').filter({ hasText: 'uninstalled' }).first()).toBeVisible();
    await expect(list.getByRole('row').filter({ hasText: 'Restricted on' }).filter({ hasText: 'by command line' })).toHaveCount(1);
    await list.getByRole('row').filter({ hasText: 'grant narrowed' }).click();
    const details = page.getByRole('region', { name: 'Record details' });
    await expect(details).toContainText('made by panel');
    await expect(details).toContainText(`narrowed ${origin} always to ${origin} for 24 hours`);
    await screenshotsOf(page, 'network-activity-changes');
    const panel = 'panel';
    const line = 'command line';
    expect(await exportedChanges(page)).toEqual([
      [FETCHER, 'CHANGE', 'approval-given', panel],
      [FETCHER, 'CHANGE', 'approval-revoked', panel],
      [HELLO, 'CHANGE', 'restricted-on', panel],
      [HELLO, 'CHANGE', 'restricted-off', panel],
      [BROWSER, 'CHANGE', 'install', panel],
      [BROWSER, 'CHANGE', 'approval-given', panel],
      [BROWSER, 'CHANGE', 'local-network-on', panel],
      [BROWSER, 'CHANGE', 'grant-given', panel],
      [BROWSER, 'CHANGE', 'grant-narrowed', panel],
      [BROWSER, 'CHANGE', 'grant-revoked', panel],
      [BROWSER, 'CHANGE', 'uninstall', panel],
      [NOTES, 'CHANGE', 'install', line],
      ...Array.from({ length: approvedNotes }, () => [NOTES, 'CHANGE', 'approval-given', line]),
      [NOTES, 'CHANGE', 'grant-given', line],
      [NOTES, 'CHANGE', 'grant-revoked', line],
      [NOTES, 'CHANGE', 'local-network-on', line],
      [HELLO, 'CHANGE', 'restricted-on', line],
      [HELLO, 'CHANGE', 'upgrade', line],
      [NOTES, 'CHANGE', 'uninstall', line],
    ]);
    // Widening changes only: who gave a plugin more, and when.
    await page.getByLabel('Decision').selectOption('allow');
    await expect(list.getByRole('row').filter({ hasText: 'grant revoked' })).toHaveCount(0);
    await expect(list.getByRole('row').filter({ hasText: 'grant given' })).toHaveCount(2);
  });
});

test.describe('prompts that grant no more than the user meant', () => {
  test.use({ samples: ['browser'] });

  test('no default answer; where the host is; first request counted from prompts, not refusals; Deny always; one answer for all waiting', async ({ page, webHost }) => {
    cli(webHost.home, 'approve', BROWSER, '--yes');
    await page.goto(webHost.url);
    const origin = `http://127.0.0.1:${server.port}`;
    // Refused by the local network rule, with no prompt: that was no question to the user.
    await fetchFromConsole(page, `${origin}/json`);
    await expect(result(page)).toContainText('Permission denied');
    await expect(prompt(page)).toBeHidden();
    await go(page, 'Plugins');
    await page.getByLabel('Local network access for Browser').check();
    await fetchFromConsole(page, `${origin}/json`);
    await expect(prompt(page)).toContainText('wants to make its first request to this host');
    await expect(prompt(page).getByLabel('Where this host is')).toHaveText('this computer');
    await expect(prompt(page).getByRole('note').filter({ hasText: 'This host is on this computer' })).toBeVisible();
    // Every answer looks alike: none is the one a hurried click lands on.
    await expect(prompt(page).getByRole('button', { name: `Allow ${origin} always` })).toBeEnabled();
    expect(await prompt(page).locator('button.primary').count()).toBe(0);
    await screenshotsOf(page, 'prompt-local-host');

    await prompt(page).getByRole('button', { name: `Deny ${origin} always (until you revoke it in Grants)` }).click();
    await expect(result(page)).toContainText('the user denied it always');
    await fetchFromConsole(page, `${origin}/json`);
    await expect(result(page)).toContainText('the user denied it always');
    await expect(prompt(page)).toBeHidden();
    await go(page, 'Grants');
    const denial = page.getByRole('region', { name: 'Grants of Browser' }).getByRole('row').filter({ hasText: 'Denied always' });
    await expect(denial).toContainText(origin);
    await expect(denial).toContainText('until you revoke it');
    await screenshotsOf(page, 'grants-with-denial');
    await page.getByRole('button', { name: `Revoke the denial of ${origin}` }).click();
    await fetchFromConsole(page, `${origin}/json`);
    await expect(prompt(page)).toContainText('a request to this host again');
    await prompt(page).getByRole('button', { name: `Allow ${origin} this time` }).click();
    await expect(result(page)).toContainText('"status": 200');

    // Two requests of the plugin wait at once (from the command line): one answer settles both.
    const seen = server.seen.length + other.seen.length;
    const first = cliLater(webHost.home, 'invoke', BROWSER, 'fetch_json', JSON.stringify({ url: `http://127.0.0.1:${other.port}/json` }));
    const second = cliLater(webHost.home, 'invoke', BROWSER, 'fetch_json', JSON.stringify({ url: `http://localhost:${server.port}/json` }));
    await expect(prompt(page)).toContainText('1 of 2 waiting');
    await prompt(page).getByLabel('Give this answer to all 2 waiting prompts of Browser').check();
    await screenshotsOf(page, 'prompt-answer-all');
    await prompt(page).getByRole('button', { name: /^Allow .* this time$/ }).click();
    await expect(prompt(page)).toBeHidden();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status], `${a.stderr}${b.stderr}`).toEqual([0, 0]);
    // Both reached their servers: the servers say so, not the plugin.
    expect(server.seen.length + other.seen.length).toBe(seen + 2);
  });
});

test.describe("the host's file dialog", () => {
  test('opens with nothing chosen, hides dotfiles until asked, warns before the home folder, and grants until HaloForge quits unless told always', async ({ page }) => {
    const { home, cleanup } = tempHome();
    const user = join(home, '..', `user-${process.pid}-${Date.now()}`);
    mkdirSync(join(user, 'Documents'), { recursive: true });
    mkdirSync(join(user, '.ssh'));
    writeFileSync(join(user, 'Documents', 'plan.txt'), 'plan');
    installSample(home, { sample: 'hello-panel' });
    const host = await launchWebHost(home, undefined, { HOME: user });
    try {
      cli(home, 'approve', 'dev.haloforge.sample.hello-panel', '--yes');
      await page.goto(host.url);
      await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' }).click();
      const frame = page.frameLocator('iframe[title="Hello Panel"]');
      await frame.getByRole('button', { name: 'Choose a folder…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Choose a folder for Hello Panel' });
      await expect(dialog.getByLabel('Current folder')).toHaveText(user);
      await expect(dialog.getByLabel('Folder', { exact: true })).toHaveValue('');
      await expect(dialog.getByRole('button', { name: 'Choose' })).toBeDisabled();
      await expect(dialog.getByRole('button', { name: 'Folder Documents' })).toBeVisible();
      await expect(dialog.getByRole('button', { name: 'Folder .ssh' })).toBeHidden();
      await expect(dialog.getByLabel('until HaloForge quits')).toBeChecked();
      await screenshotsOf(page, 'file-dialog-nothing-chosen');
      await dialog.getByLabel('Show 1 hidden item (names starting with a dot)').check();
      await expect(dialog.getByRole('button', { name: 'Folder .ssh' })).toBeVisible();

      // The home folder itself: a clear warning and a second, named click before it is granted.
      await dialog.getByRole('button', { name: 'Select this folder' }).click();
      await dialog.getByRole('button', { name: 'Choose' }).click();
      await expect(dialog.getByRole('alert')).toContainText('your whole home folder');
      await expect(dialog.getByRole('button', { name: `Grant all of ${user}` })).toBeVisible();
      await screenshotsOf(page, 'file-dialog-home-warning');
      // A narrower folder instead.
      await dialog.getByRole('button', { name: 'Folder Documents' }).click();
      await expect(dialog.getByLabel('Current folder')).toHaveText(join(user, 'Documents'));
      await dialog.getByRole('button', { name: 'Select this folder' }).click();
      await dialog.getByRole('button', { name: 'Choose' }).click();
      await expect(frame.getByRole('status', { name: 'Folder' })).toHaveText(`${join(user, 'Documents')}: plan.txt`);
      await go(page, 'Grants');
      const row = page.getByRole('region', { name: 'Grants of Hello Panel' }).getByRole('row').filter({ hasText: join(user, 'Documents') });
      await expect(row).toContainText('until HaloForge quits');
      await expect(row).toContainText(/UTC|GMT/);
    } finally {
      await host.end('SIGTERM');
      cleanup();
      rmSync(user, { recursive: true, force: true });
    }
  });
});

test.describe('permissions after install', () => {
  test('an install approves permissions one by one; what is left waits, and an approval can be taken back', async ({ page, webHost }) => {
    const { home: scratch, cleanup } = tempHome();
    try {
      const folder = sampleFolder(scratch, { sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'network_http' }, { type: 'filesystem_read' }]) });
      await page.goto(webHost.url);
      await page.getByRole('button', { name: 'Install…' }).click();
      await page.getByLabel('Plugin folder or .hfpkg file on this machine').fill(folder);
      await page.getByRole('button', { name: 'Check' }).click();
      const install = page.getByRole('region', { name: 'Install a plugin' });
      await install.getByRole('checkbox', { name: 'Approve network_http' }).check();
      await expect(install).toContainText('With 1 left unapproved, the plugin is installed but stays off');
      await screenshotsOf(page, 'install-one-by-one');
      await install.getByRole('button', { name: 'Approve 1 and install' }).click();
      const card = page.getByRole('listitem', { name: 'Misbehave' });
      await expect(card.getByText(/Waiting for your approval of 1 permission/)).toBeVisible();
      await card.getByRole('button', { name: 'Approve filesystem_read for Misbehave' }).click();
      await expect(card.getByText('active', { exact: true })).toBeVisible();
      await card.getByRole('button', { name: 'Take back network_http from Misbehave' }).click();
      await expect(card.getByText(/Waiting for your approval of 1 permission/)).toBeVisible();
      await expect(card.getByRole('button', { name: 'Approve network_http for Misbehave' })).toBeVisible();
      await screenshotsOf(page, 'approval-taken-back');
    } finally {
      cleanup();
    }
  });
});

test.describe('network activity', () => {
  test.use({ samples: ['browser', 'hello'] });

  test('details are moved to and closed with Escape, plugins go by name, filters apply as typed and the count is what an export holds', async ({ page, webHost }) => {
    cli(webHost.home, 'approve', BROWSER, '--yes');
    cli(webHost.home, 'grant', BROWSER, '--local-network', 'on');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(webHost.url);
    const origin = `http://127.0.0.1:${server.port}`;
    for (const path of ['/json', '/json?x=1', '/json?x=2']) {
      await fetchFromConsole(page, `${origin}${path}`);
      if (path === '/json') await prompt(page).getByRole('button', { name: `Allow ${origin} always` }).click();
      await expect(result(page)).toContainText('"status": 200');
    }
    await go(page, 'Network activity');
    const list = page.getByRole('table', { name: 'Audit log' });
    const row = list.getByRole('row').filter({ hasText: 'x=2' });
    // The plugin by its name; its id on hover.
    await expect(row.getByRole('cell', { name: 'Browser', exact: true })).toHaveAttribute('title', BROWSER);
    await row.click();
    const details = page.getByRole('region', { name: 'Record details' });
    await expect(details).toBeFocused();
    await expect(details).toBeInViewport();
    await screenshotsOf(page, 'network-activity-details');
    await page.keyboard.press('Escape');
    await expect(details).toBeHidden();
    await expect(row).toBeFocused();

    // Typed, not yet Enter: the count follows, and an export holds exactly that many.
    await page.getByLabel('URL contains').pressSequentially('x=');
    await expect(page.getByRole('status').filter({ hasText: /^2 records$/ })).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    expect(readFileSync(await (await download).path(), 'utf8').trim().split('\n')).toHaveLength(3);
    await page.getByLabel('Host').pressSequentially('nowhere');
    await expect(page.getByText('Nothing recorded matches this filter.')).toBeVisible();
  });
});

test.describe('a plugin that cannot start', () => {
  // (A string second: a pair of objects would read to Playwright as a value and its options.)
  test.use({ samples: [{ sample: 'hello', manifest: (m) => delete m.version }, 'notes', { sample: 'text-steps', manifest: (m) => delete m.version }] });

  test('is offered Check again, not Enable; fixed on disk, it starts; either way it can be uninstalled', async ({ page, webHost }) => {
    page.on('dialog', (d) => void d.accept());
    await page.goto(webHost.url);
    // A broken one uninstalled from its card: gone from the list and from the disk.
    const broken = page.getByRole('listitem', { name: 'dev.haloforge.sample.text-steps' });
    await broken.getByRole('button', { name: 'Uninstall' }).click();
    await expect(broken).toBeHidden();
    expect(existsSync(join(webHost.home, 'plugins', 'dev.haloforge.sample.text-steps', 'manifest.json'))).toBe(false);
    const card = page.getByRole('listitem', { name: HELLO });
    await expect(card.getByText(/invalid manifest|version/)).toBeVisible();
    await expect(card.getByRole('button', { name: 'Enable' })).toHaveCount(0);
    await expect(card.getByRole('button', { name: 'Check again' })).toBeVisible();
    await screenshotsOf(page, 'plugin-cannot-start');
    const path = join(webHost.home, 'plugins', HELLO, 'manifest.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), version: '0.1.0' }));
    await card.getByRole('button', { name: 'Check again' }).click();
    const fixed = page.getByRole('listitem', { name: 'My Plugin' });
    await expect(fixed.getByText('active', { exact: true })).toBeVisible();
    await expect(fixed.getByRole('button', { name: 'Disable' })).toBeVisible();
  });
});

test.describe("HaloForge's panels as they look in HaloForge", () => {
  test.use({ samples: ['hello-panel'] });

  test("a bundle written with the host's utility classes is styled by them, in both themes, and its frame fills its place, labelled by the host", async ({ page, webHost }) => {
    cli(webHost.home, 'approve', 'dev.haloforge.sample.hello-panel', '--yes');
    await page.goto(webHost.url);
    await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Hello Panel' }).click();
    const frame = page.frameLocator('iframe[title="Hello Panel"]');
    const greet = frame.getByRole('button', { name: 'Greet' });
    await expect(greet).toBeVisible();
    // The host's primary colour and radius, from classes the bundle names and does not define.
    const style = await greet.evaluate((b) => ({ bg: getComputedStyle(b).backgroundColor, radius: getComputedStyle(b).borderTopLeftRadius }));
    const accent = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--accent)';
      document.body.append(probe);
      const c = getComputedStyle(probe).color;
      probe.remove();
      return c;
    });
    expect(style).toEqual({ bg: accent, radius: '8px' });
    const section = frame.getByRole('region', { name: 'Greet' });
    await expect(section).toHaveCSS('border-top-left-radius', '12px');
    await expect(page.getByText("Hello Panel's panel")).toBeVisible();
    const [module, iframe] = await Promise.all([page.getByRole('region', { name: 'Hello Panel' }).boundingBox(), page.locator('iframe[title="Hello Panel"]').boundingBox()]);
    expect((iframe?.height ?? 0) / (module?.height ?? 1)).toBeGreaterThan(0.9);
    for (const theme of ['light', 'dark'] as const) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByRole('button', { name: `Switch to ${theme} theme` }).click();
      await expect(frame.locator('html')).toHaveAttribute('data-theme', theme);
      for (const width of [1280, 800]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: screenshotPath(`plugin-panel-styled-${theme}-${width}`), fullPage: true });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    // Dark: the section takes the dark surface, not a light default.
    const dark = await section.evaluate((s) => getComputedStyle(s).backgroundColor);
    expect(dark).not.toBe('rgb(255, 255, 255)');
  });
});

test.describe('the small ones', () => {
  test.use({ samples: ['notes', 'hello'] });

  test('one time format with its zone, Logs filtered by source and words, Grants sorted with revoke all, Escape folds the narrow menu into the chosen panel', async ({ page, webHost }) => {
    cli(webHost.home, 'approve', NOTES, '--yes');
    const { home: scratch, cleanup } = tempHome();
    try {
      for (const name of ['zeta', 'alpha']) {
        mkdirSync(join(scratch, name));
        cli(webHost.home, 'grant', NOTES, '--read', join(scratch, name));
      }
      cli(webHost.home, 'grant', HELLO, '--read', scratch, '--for', 'day');
      await page.goto(webHost.url);

      // Grants: plugins by name, grants by what they cover, times with their zone; revoke all of one plugin.
      await go(page, 'Grants');
      const regions = page.getByRole('region', { name: /^Grants of / });
      await expect(regions).toHaveCount(2);
      expect(await regions.evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label')))).toEqual(['Grants of My Plugin', 'Grants of Notes']);
      const notes = page.getByRole('region', { name: 'Grants of Notes' });
      expect(await notes.getByRole('row').evaluateAll((rows) => rows.slice(1).map((r) => r.querySelector('code')?.textContent))).toEqual([`reading ${join(scratch, 'alpha')}/`, `reading ${join(scratch, 'zeta')}/`]);
      await expect(page.getByRole('region', { name: 'Grants of My Plugin' })).toContainText(/until \w{3} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2} (UTC|GMT)/);
      await notes.getByRole('button', { name: 'Revoke all grants of Notes' }).click();
      await expect(notes).toContainText('Revoke all 2 of Notes? It will ask again for each.');
      await screenshotsOf(page, 'grants-revoke-all');
      await notes.getByRole('button', { name: 'Confirm: revoke all 2 grants of Notes' }).click();
      await expect(notes).toBeHidden();
      expect(JSON.parse(cli(webHost.home, 'grants', '--plugin', NOTES))).toEqual([]);

      // Logs: one source, then words in it; scrollable from the keyboard.
      await go(page, 'Logs');
      const log = page.getByRole('log', { name: 'Log records' });
      await page.getByLabel('From').selectOption({ label: `Notes (${NOTES})` });
      await expect(log.locator('.target').first()).toHaveText(NOTES);
      expect(new Set(await log.locator('.target').allTextContents())).toEqual(new Set([NOTES]));
      await page.getByLabel('From').selectOption({ label: 'everything' });
      await page.getByLabel('Search').fill('granted');
      await expect(log).toContainText('granted reading');
      await expect(log).not.toContainText('HaloForge Host starting');
      await expect(log).toHaveAttribute('tabindex', '0');
      await expect(log.locator('.muted').first()).toHaveText(/\d{2}:\d{2}:\d{2} (UTC|GMT)$/);
      await screenshotsOf(page, 'logs-filtered');

      // The narrow screen's menu: Escape folds it back to its button; choosing a panel puts focus there.
      await page.setViewportSize({ width: 800, height: 900 });
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      await expect(page.getByRole('navigation', { name: 'Panels' })).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(page.getByRole('navigation', { name: 'Panels' })).toBeHidden();
      await expect(menu).toBeFocused();
      await menu.click();
      await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: 'Network activity' }).click();
      await expect(page.getByRole('heading', { name: 'Network activity', level: 2 })).toBeFocused();
    } finally {
      cleanup();
    }
  });
});
