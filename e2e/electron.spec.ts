import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron } from '@playwright/test';
import { installSample, root, tempHome } from '../test/helpers/fixtures';
import { expect, screenshotPath, test } from './fixtures';

const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
const binary = existsSync(pathFile) ? join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;

test.describe('the Electron app', () => {
  test.skip(!binary || !existsSync(binary), 'the Electron binary is not installed on this machine (its download host is unreachable); the same panels are tested through the web host');

  test('lists the hello plugin and calls its ping from the console', async () => {
    const { home, cleanup } = tempHome();
    installSample(home, { sample: 'hello' });
    const app = await electron.launch({ executablePath: binary, args: [root], env: { ...process.env, HALOFORGE_HOME: home } });
    const page = await app.firstWindow();
    await expect(page.getByRole('listitem', { name: 'My Plugin' }).getByText('active', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Console' }).click();
    await page.getByLabel('Plugin', { exact: true }).selectOption({ label: 'My Plugin (dev.example.my-plugin)' });
    await page.getByRole('button', { name: 'Invoke' }).click();
    await expect(page.getByRole('region', { name: 'Result' })).toContainText('"ok": true');
    await page.screenshot({ path: screenshotPath('electron-ping') });
    await app.close();
    cleanup();
  });
});
