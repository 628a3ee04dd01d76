import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { sampleFolder, tempHome } from '../test/helpers/fixtures';
import { startTestServer, type TestServer } from '../test/helpers/servers';
import { approveEachAndInstall, expect, samplePath, screenshotPath, test } from './fixtures';

let server: TestServer;
test.beforeAll(async () => {
  server = await startTestServer();
});
test.afterAll(() => server.close());

async function install(page: Page, sample: string, button: 'Install' | 'Approve and install'): Promise<void> {
  await page.getByRole('button', { name: 'Plugins' }).click();
  await page.getByRole('button', { name: 'Install…' }).click();
  await page.getByLabel('Plugin folder or .hfpkg file on this machine').fill(samplePath(sample));
  await page.getByRole('button', { name: 'Check' }).click();
  if (button === 'Install') {
    await expect(page.getByRole('region', { name: 'Install a plugin' }).getByRole('list', { name: 'Permissions' }).or(page.getByText('No permissions.'))).toBeVisible();
    await page.getByRole('button', { name: 'Install', exact: true }).click();
  } else await approveEachAndInstall(page);
}

async function invoke(page: Page, plugin: string, command: string, args: unknown): Promise<void> {
  await page.getByRole('button', { name: 'Console' }).click();
  await page.getByLabel('Plugin', { exact: true }).selectOption({ label: plugin });
  await page.getByLabel('Command', { exact: true }).selectOption(command);
  await page.getByLabel('Arguments (JSON)').fill(JSON.stringify(args));
  await page.getByRole('button', { name: 'Invoke' }).click();
}

const console_ = (page: Page) => page.getByRole('region', { name: /^(Result|Error)$/ });

test('install the hello plugin, then ping it from the console', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await install(page, 'hello', 'Install');
  const plugin = page.getByRole('listitem', { name: 'My Plugin' });
  await expect(plugin.getByText('active', { exact: true })).toBeVisible();
  await page.screenshot({ path: screenshotPath('plugins-panel'), fullPage: true });
  await invoke(page, 'My Plugin (dev.example.my-plugin)', 'ping', { value: 1 });
  await expect(console_(page)).toContainText('"echo": {');
  await expect(console_(page)).toContainText('"value": 1');
  await expect(console_(page)).toContainText('"ok": true');
  await page.screenshot({ path: screenshotPath('console-ping'), fullPage: true });
});

test('a network_http plugin asks on first use: deny, allow always, revoke', async ({ page, webHost }) => {
  const url = `http://127.0.0.1:${server.port}/json?api_key=hidden`;
  await page.goto(webHost.url);
  await install(page, 'browser', 'Approve and install');
  const plugin = page.getByRole('listitem', { name: 'Browser' });
  await expect(plugin.getByText('active', { exact: true })).toBeVisible();
  await plugin.getByLabel('Local network access for Browser').check();

  await invoke(page, 'Browser (dev.haloforge.sample.browser)', 'fetch_json', { url });
  const prompt = page.getByRole('alertdialog', { name: 'Allow network access?' });
  await expect(prompt).toBeVisible();
  await expect(prompt).toContainText('dev.haloforge.sample.browser');
  await expect(prompt.getByLabel('Scheme, host and port')).toHaveText(`http://127.0.0.1:${server.port}`);
  await expect(prompt.getByLabel('Full URL')).toHaveText(`http://127.0.0.1:${server.port}/json?api_key=REDACTED`);
  await expect(prompt.getByRole('note').filter({ hasText: 'not encrypted' })).toBeVisible();
  // Who asks, as its manifest says, what it was doing, and what the host hid from view.
  await expect(prompt.getByRole('definition').filter({ hasText: 'by HaloForge Host' })).toContainText('0.1.0');
  await expect(prompt.getByLabel('What it was doing')).toHaveText("while running 'fetch_json'");
  await expect(prompt).toContainText('wants to make its first request to this host');
  await expect(prompt.getByRole('note', { name: 'Hidden values' })).toContainText('Shown as REDACTED: api_key');
  // Armed only after a delay, against click-jacking.
  await expect(prompt.getByRole('button', { name: /^Deny .+ this time$/ })).toBeDisabled();
  await expect(prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} this time` })).toBeDisabled();
  // Every way to allow names exactly what it covers.
  await expect(prompt.getByRole('button', { name: /^Allow http:\/\/127\.0\.0\.1:\d+ / })).toHaveCount(4);
  await page.screenshot({ path: screenshotPath('prompt-armed-after-delay'), fullPage: true });
  await expect(prompt.getByRole('button', { name: /^Deny .+ this time$/ })).toBeEnabled();
  await page.screenshot({ path: screenshotPath('prompt'), fullPage: true });
  await prompt.getByRole('button', { name: /^Deny .+ this time$/ }).click();
  await expect(prompt).toBeHidden();
  await expect(console_(page)).toContainText('Permission denied:');
  await expect(console_(page)).toContainText('the user denied it');

  await page.getByRole('button', { name: 'Network activity' }).click();
  const denied = page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'prompt:deny' });
  await expect(denied).toContainText('deny');
  await expect(denied).toContainText('api_key=REDACTED');
  await page.screenshot({ path: screenshotPath('network-activity-denied'), fullPage: true });

  await invoke(page, 'Browser (dev.haloforge.sample.browser)', 'fetch_json', { url });
  // Asked before (denied): the prompt does not call this its first request.
  await expect(prompt).toContainText('a request to this host again');
  await prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} always` }).click();
  await expect(console_(page)).toContainText('"status": 200');
  await page.getByRole('button', { name: 'Invoke' }).click();
  await expect(console_(page)).toContainText('"hello": "world"');
  await expect(prompt).toBeHidden();

  await page.getByRole('button', { name: 'Grants' }).click();
  await expect(page.getByRole('region', { name: 'Grants of Browser' })).toContainText(`127.0.0.1:${server.port}`);
  await page.screenshot({ path: screenshotPath('grants'), fullPage: true });
  await expect(page.getByRole('region', { name: 'Grants of Browser' })).toContainText('always');
  await page.getByRole('button', { name: `Limit http://127.0.0.1:${server.port} to 24 hours` }).click();
  await expect(page.getByRole('region', { name: 'Grants of Browser' })).toContainText('until ');
  await page.getByRole('button', { name: `Revoke http://127.0.0.1:${server.port}` }).click();
  await expect(page.getByText('No grants.')).toBeVisible();
  await invoke(page, 'Browser (dev.haloforge.sample.browser)', 'fetch_json', { url });
  await expect(prompt).toBeVisible();
  await expect(prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} this time` })).toBeEnabled();
  await prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} this time` }).click();
  await expect(console_(page)).toContainText('"status": 200');
});

test('a domain-scoped plugin reaching another host is denied without a prompt', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await install(page, 'fetcher', 'Approve and install');
  const plugin = page.getByRole('listitem', { name: 'Fetcher' });
  await expect(plugin.getByText('active', { exact: true })).toBeVisible();
  await plugin.getByLabel('Local network access for Fetcher').check();
  await invoke(page, 'Fetcher (dev.haloforge.sample.fetcher)', 'fetch_json', { url: `http://127.0.0.1:${server.port}/json` });
  await expect(console_(page)).toContainText("is outside the plugin's network_http_domain scope (api.example.com)");
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await page.getByRole('button', { name: 'Network activity' }).click();
  await page.getByLabel('Decision').selectOption('deny');
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('network_http_domain:no-match');
  await page.screenshot({ path: screenshotPath('network-activity-domain-denied'), fullPage: true });
});

test('the logs panel shows the day\'s log and the theme switches', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await page.getByRole('button', { name: 'Logs' }).click();
  await expect(page.getByRole('log', { name: 'Log records' })).toContainText('HaloForge Host starting');
  await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
  await page.screenshot({ path: screenshotPath('logs-theme-switched'), fullPage: true });
});

test('a plugin shaped like the real ones keeps notes, notifies, and takes settings from its form', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await install(page, 'notes', 'Approve and install');
  const plugin = page.getByRole('listitem', { name: 'Notes' });
  await expect(plugin.getByText('active', { exact: true })).toBeVisible();

  await invoke(page, 'Notes (dev.haloforge.sample.notes)', 'add_note', { text: "it's saved" });
  await expect(console_(page)).toContainText('"saved": true');
  const toast = page.getByRole('list', { name: 'Notifications' }).getByRole('listitem');
  await expect(toast).toContainText('Note saved');
  await expect(toast).toContainText('dev.haloforge.sample.notes');
  await page.getByLabel('Command', { exact: true }).selectOption('list_notes');
  await page.getByRole('button', { name: 'Invoke' }).click();
  await expect(console_(page)).toContainText('"text": "it\'s saved"');
  await page.screenshot({ path: screenshotPath('notes-console-toast'), fullPage: true });

  await page.getByRole('button', { name: 'Plugins' }).click();
  await plugin.getByRole('button', { name: 'Settings…' }).click();
  const form = page.getByRole('form', { name: 'Settings of Notes' });
  await expect(form.getByLabel('Sync API key')).toHaveAttribute('type', 'password');
  await form.getByLabel('Title').fill('Team notes');
  await form.getByLabel('Style').selectOption('markdown');
  await form.getByLabel('Sync API key').fill('sk-e2e-secret-0000000000');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status')).toContainText('Saved');
  await page.screenshot({ path: screenshotPath('notes-settings'), fullPage: true });
  await invoke(page, 'Notes (dev.haloforge.sample.notes)', 'get_settings', {});
  await expect(console_(page)).toContainText('"title": "Team notes"');
  await expect(console_(page)).toContainText('"style": "markdown"');
  await page.getByRole('button', { name: 'Logs' }).click();
  await expect(page.getByRole('log', { name: 'Log records' })).toContainText('settings saved from the panel');
  await expect(page.getByRole('log', { name: 'Log records' })).not.toContainText('sk-e2e-secret');
});

test('the permission prompt ignores Escape and answers from the keyboard', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await install(page, 'browser', 'Approve and install');
  await page.getByRole('listitem', { name: 'Browser' }).getByLabel('Local network access for Browser').check();
  await invoke(page, 'Browser (dev.haloforge.sample.browser)', 'fetch_json', { url: `http://127.0.0.1:${server.port}/json` });
  const prompt = page.getByRole('alertdialog', { name: 'Allow network access?' });
  await expect(prompt).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(prompt).toBeVisible();
  await expect(prompt.getByRole('button', { name: /^Deny .+ this time$/ })).toBeEnabled();
  await page.keyboard.press('Tab');
  await expect(prompt.getByRole('button', { name: /^Deny .+ this time$/ })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(prompt.getByRole('button', { name: /always$/ })).toBeFocused();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
  await expect(prompt.getByRole('button', { name: /^Allow .* this time$/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(prompt).toBeHidden();
  await expect(console_(page)).toContainText('"status": 200');
});

test("a plugin reading the user's files asks once per folder, and the folder shows in Grants", async ({ page, webHost }) => {
  const { home: scratch, cleanup } = tempHome();
  const folder = sampleFolder(scratch, { sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'filesystem_read' }]) });
  await page.goto(webHost.url);
  await page.getByRole('button', { name: 'Install…' }).click();
  await page.getByLabel('Plugin folder or .hfpkg file on this machine').fill(folder);
  await page.getByRole('button', { name: 'Check' }).click();
  await approveEachAndInstall(page);
  await expect(page.getByRole('listitem', { name: 'Misbehave' }).getByText('active', { exact: true })).toBeVisible();

  // The user's documents, outside every data folder.
  const docs = join(scratch, 'documents');
  mkdirSync(docs);
  writeFileSync(join(docs, 'letter.txt'), 'Dear reviewer');
  writeFileSync(join(docs, 'notes.txt'), 'second file, same folder');
  await invoke(page, 'Misbehave (dev.haloforge.test.misbehave)', 'read_file', { path: join(docs, 'letter.txt') });
  const prompt = page.getByRole('alertdialog', { name: 'Allow access to your files?' });
  await expect(prompt.getByLabel('File')).toHaveText(join(docs, 'letter.txt'));
  await expect(prompt.getByRole('button', { name: `Allow reading ${docs}/ always` })).toBeEnabled();
  await page.screenshot({ path: screenshotPath('file-prompt'), fullPage: true });
  await prompt.getByRole('button', { name: `Allow reading ${docs}/ always` }).click();
  await expect(console_(page)).toContainText('Dear reviewer');

  // The folder is now in the plugin's view: the next file there is read without a prompt.
  await page.getByLabel('Command', { exact: true }).selectOption('read_file');
  await page.getByLabel('Arguments (JSON)').fill(JSON.stringify({ path: join(docs, 'notes.txt') }));
  await page.getByRole('button', { name: 'Invoke' }).click();
  await expect(console_(page)).toContainText('second file, same folder');
  await expect(prompt).toBeHidden();
  await page.getByRole('button', { name: 'Grants' }).click();
  await expect(page.getByRole('region', { name: 'Grants of Misbehave' })).toContainText(`${docs}/`);
  cleanup();
});

test('a git-style plugin shows its sandbox proof, asks for the folder on first use, and runs git status there', async ({ page, webHost }) => {
  const { home: scratch, cleanup } = tempHome();
  const repo = join(scratch, 'repo');
  mkdirSync(repo);
  spawnSync('git', ['-c', 'init.defaultBranch=main', 'init', '-q'], { cwd: repo });
  writeFileSync(join(repo, 'todo.txt'), 'write the README\n');
  await page.goto(webHost.url);
  await install(page, 'git-status', 'Approve and install');
  const plugin = page.getByRole('listitem', { name: 'Git Status' });
  await expect(plugin.getByText('sandboxed', { exact: true })).toBeVisible();
  await plugin.getByText('Sandbox proof').click();
  await expect(plugin.getByText('Interfaces')).toBeVisible();
  await expect(plugin.getByText('filter installed')).toBeVisible();
  // Each of its namespaces beside main's, its privileges, and what it can see and change.
  const namespaces = plugin.getByRole('table', { name: "Namespaces: the plugin's own, beside main's" });
  await expect(namespaces.getByRole('row')).toHaveCount(7);
  await expect(namespaces.getByRole('row', { name: /^net / })).toContainText('its own');
  await expect(plugin.getByText('set: no program it runs can gain privileges')).toBeVisible();
  await expect(plugin.getByRole('region', { name: 'What it can see and change' })).toContainText('no folder or file of yours granted');
  await page.screenshot({ path: screenshotPath('sandbox-proof'), fullPage: true });

  await invoke(page, 'Git Status (dev.haloforge.sample.git-status)', 'status', { path: repo });
  // git's working folder is the repository: changing to it is the plugin's first use of it.
  const folder = page.getByRole('alertdialog', { name: 'Allow access to your files?' });
  await expect(folder.getByLabel('Folder')).toHaveText(repo);
  await expect(folder).toContainText('a folder outside its own folder.');
  await expect(folder.getByRole('note').filter({ hasText: 'everything below it' })).toContainText(`${repo}/`);
  await page.screenshot({ path: screenshotPath('program-folder-prompt'), fullPage: true });
  await folder.getByRole('button', { name: `Allow reading ${repo}/ always` }).click();
  await expect(console_(page)).toContainText('"path": "todo.txt"');
  await page.getByRole('button', { name: 'Plugins' }).click();
  // The proof is still open from before (the panel keeps its state).
  await expect(plugin.getByRole('region', { name: 'What it can see and change' })).toContainText(`read-only, granted: ${repo}`);
  // The card's count opens Grants at this plugin's.
  await plugin.getByRole('button', { name: 'Show the grants of Git Status' }).click();
  await expect(page.getByRole('region', { name: 'Grants of Git Status' })).toBeFocused();
  await expect(page.getByRole('region', { name: 'Grants of Git Status' })).toContainText(`${repo}/`);
  cleanup();
});

test("a plugin's own HTTP client (reqwest) asks on first use too, through the egress proxy, and its request shows in Network activity", async ({ page, webHost }) => {
  const url = `http://127.0.0.1:${server.port}/json`;
  await page.goto(webHost.url);
  await install(page, 'own-browser', 'Approve and install');
  const plugin = page.getByRole('listitem', { name: 'Own Client (any host)' });
  await expect(plugin.getByText('sandboxed', { exact: true })).toBeVisible();
  await plugin.getByLabel('Local network access for Own Client (any host)').check();

  await invoke(page, 'Own Client (any host) (dev.haloforge.sample.own-browser)', 'get', { url });
  const prompt = page.getByRole('alertdialog', { name: 'Allow network access?' });
  await expect(prompt).toContainText('dev.haloforge.sample.own-browser');
  await expect(prompt.getByLabel('Full URL')).toHaveText(url);
  await page.screenshot({ path: screenshotPath('own-client-prompt'), fullPage: true });
  await expect(prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} this time` })).toBeEnabled();
  await prompt.getByRole('button', { name: `Allow http://127.0.0.1:${server.port} this time` }).click();
  await expect(console_(page)).toContainText('"status": 200');
  await expect(console_(page)).toContainText('hello');

  await page.getByRole('button', { name: 'Network activity' }).click();
  const allowed = page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'prompt:allow-once' });
  await expect(allowed.first()).toContainText(url);
});
