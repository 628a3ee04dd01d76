import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, screenshotPath, test } from './fixtures';

test.describe('the web host', () => {
  test.use({ samples: ['hello'] });

  test('shows a plugin placed in the plugins folder, running', async ({ page, webHost }) => {
    await page.goto(webHost.url);
    const plugin = page.getByRole('listitem', { name: 'My Plugin' });
    await expect(plugin.getByText('active', { exact: true })).toBeVisible();
    await expect(plugin.getByText('dev.example.my-plugin', { exact: true })).toBeVisible();
    await page.screenshot({ path: screenshotPath('web-host-plugins'), fullPage: true });
  });

  test('refuses a page that does not carry the token', async ({ page, webHost }) => {
    await page.goto(webHost.origin);
    await expect(page.getByRole('alert').first()).toContainText('open the address npm start printed');
    await page.screenshot({ path: screenshotPath('web-host-no-token'), fullPage: true });
  });

  test('refuses a forged message from a page of another origin, even with the token', async ({ page, webHost }) => {
    const token = new URL(webHost.url).hash.replace('#token=', '');
    const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>elsewhere</title>'));
    await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', () => ok()));
    const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    await page.goto(evilOrigin);
    const outcome = await page.evaluate(
      ([port, t]) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ipc?token=${t}`);
          ws.onopen = () => {
            ws.send(JSON.stringify({ id: 1, channel: 'hf:plugin:invoke', args: ['plugin_dev_example_my_plugin_ping', {}] }));
            ws.onmessage = (e) => resolve(`answered: ${String(e.data)}`);
          };
          ws.onerror = () => resolve('refused');
        }),
      [new URL(webHost.origin).port, token] as const,
    );
    evil.close();
    expect(outcome).toBe('refused');
    await page.screenshot({ path: screenshotPath('web-host-forged-message') });
  });

  test('isolates the panels from other origins: they cannot open a handle on them or load their files', async ({ page, webHost }) => {
    await page.goto(webHost.url);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const script = await page.evaluate(() => (document.querySelector('script[src]') as HTMLScriptElement).src);
    const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>elsewhere</title>'));
    await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', () => ok()));
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}`);
    const outcome = await page.evaluate(
      ([src, url]) =>
        new Promise<{ script: string; handle: string }>((resolve) => {
          const w = window.open(url);
          const el = document.createElement('script');
          el.src = src;
          el.onload = () => finish('loaded');
          el.onerror = () => finish('blocked');
          document.head.append(el);
          function finish(script: string) {
            // A page with Cross-Origin-Opener-Policy gets a browsing context group of its own: the
            // handle its opener holds reads as closed once it has loaded.
            setTimeout(() => resolve({ script, handle: w === null || w.closed ? 'severed' : 'open' }), 1500);
          }
        }),
      [script, webHost.url] as const,
    );
    evil.close();
    expect(outcome).toEqual({ script: 'blocked', handle: 'severed' });
  });
});
