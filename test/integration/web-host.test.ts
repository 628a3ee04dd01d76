import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebHost } from '../../main/web/server';
import { hostBehindWebHost } from '../helpers/web';

let web: WebHost;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ web, stop } = await hostBehindWebHost(['hello']));
});

afterAll(() => stop());

function connect(opts: { token?: string; origin?: string; host?: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ipc?token=${opts.token ?? ''}`, {
    headers: { origin: opts.origin ?? `http://127.0.0.1:${web.port}`, ...(opts.host ? { host: opts.host } : {}) },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, channel: string, args: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ id: 1, channel, args }));
  });
}

function get(path: string, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: web.port, path, headers: { host: hostHeader } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('the web host', () => {
  it('listens on loopback only and prints a URL carrying its token in the fragment', () => {
    expect(web.url).toMatch(new RegExp(`^http://app\\.localhost:${web.port}/#token=[A-Za-z0-9_-]{43}$`));
  });

  it('serves the panels to its own origin only', async () => {
    expect(await get('/', `127.0.0.1:${web.port}`)).toBe(200);
    expect(await get('/', `evil.example:${web.port}`)).toBe(421);
    expect(await get('/../../package.json', `127.0.0.1:${web.port}`)).toBe(404);
    // A plugin frame's name that belongs to no active plugin with a frontend, or to another server.
    expect(await get('/', `p-00000000000000000000.app.localhost:${web.port}`)).toBe(404);
    expect(await get('/', `p-00000000000000000000.app.localhost:${web.port + 1}`)).toBe(421);
  });

  it('invokes a plugin for a panel that presents the token', async () => {
    const ws = await connect({ token: web.token });
    await expect(call(ws, 'hf:plugin:invoke', ['plugin_dev_example_my_plugin_ping', '{"value":1}'])).resolves.toEqual({ id: 1, ok: true, result: { ok: true, echo: { value: 1 } } });
    // The arguments travel as JSON text; an object is a message the router refuses.
    expect(await call(ws, 'hf:plugin:invoke', ['plugin_dev_example_my_plugin_ping', { value: 1 }])).toMatchObject({ ok: false, error: 'the arguments of a plugin command travel as JSON text' });
    ws.close();
  });

  it('refuses a connection without the token, from another origin, or by another host name', async () => {
    await expect(connect({})).rejects.toThrow('refused with 403');
    await expect(connect({ token: 'x'.repeat(43) })).rejects.toThrow('refused with 403');
    await expect(connect({ token: web.token, origin: 'http://evil.example' })).rejects.toThrow('refused with 403');
    await expect(connect({ token: web.token, host: `rebound.example:${web.port}` })).rejects.toThrow('refused with 403');
  });

  it('refuses malformed and unknown messages without dropping the connection', async () => {
    const ws = await connect({ token: web.token });
    expect(await call(ws, 'hf:shell:exec', ['rm -rf /'])).toMatchObject({ ok: false, error: expect.stringContaining('unknown channel') });
    expect(await call(ws, 'hf:plugin:invoke', 'not an array')).toMatchObject({ ok: false, error: expect.stringContaining('must be an array') });
    expect(await call(ws, 'hf:plugin:invoke', ['../../etc', {}])).toMatchObject({ ok: false, error: expect.stringContaining('not a plugin wire name') });
    await expect(call(ws, 'hf:plugins:list', [])).resolves.toMatchObject({ ok: true });
    ws.close();
  });
});
