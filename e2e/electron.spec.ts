import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron } from '@playwright/test';
import { installSample, root, tempHome } from '../test/helpers/fixtures';
import { expect, screenshotPath, test } from './fixtures';

const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
const binary = existsSync(pathFile) ? join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;

test.describe('the Electron app', () => {
  test.skip(!binary || !existsSync(binary), "Electron's binary is not installed on this machine (its download host is unreachable); the same panels are tested through the web host");

  test('lists the hello plugin and calls its ping', async () => {
    const { home, cleanup } = tempHome();
    installSample(home, { sample: 'hello' });
    const app = await electron.launch({ executablePath: binary, args: [root], env: { ...process.env, HALOFORGE_HOME: home } });
    const page = await app.firstWindow();
    const plugin = page.getByRole('listitem', { name: 'My Plugin' });
    await expect(plugin.getByText('active')).toBeVisible();
    await plugin.getByRole('button', { name: 'Ping' }).click();
    await expect(plugin.getByRole('status', { name: 'Result of My Plugin' })).toContainText('{"echo":{"value":1},"ok":true}');
    await page.screenshot({ path: screenshotPath('electron-ping') });
    await app.close();
    cleanup();
  });
});
