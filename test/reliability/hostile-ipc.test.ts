import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHost, standardLauncher, type Host } from '../../main/core/host';
import { CHANNELS } from '../../main/core/ipc/channels';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { HostLauncher } from '../../main/core/plugins/launcher';
import type { WebHost } from '../../main/web/server';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';
import { hostBehindWebHost } from '../helpers/web';

let host: Host;
let web: WebHost;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ host, web, stop } = await hostBehindWebHost(['hello']));
});

afterAll(() => stop());

function open(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ipc?token=${web.token}`, { headers: { origin: `http://127.0.0.1:${web.port}` }, maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function ask(ws: WebSocket, message: string | Buffer): Promise<{ id: unknown; ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString())));
    ws.send(message);
  });
}

// For each channel, arguments of the wrong shape.
const MALFORMED: unknown[] = [null, 'text', 42, {}, [null, null, null], [{ $gt: '' }], [['nested']], [-1, -1], ['x'.repeat(5000), true], [true, 'x']];

describe('hostile messages to the web host', () => {
  it('are refused on every channel without crashing, and audited', async () => {
    const ws = await open();
    const before = host.audit.query({ decision: 'deny' }).length;
    let refused = 0;
    let id = 0;
    for (const channel of CHANNELS) {
      for (const args of MALFORMED) {
        const reply = await ask(ws, JSON.stringify({ id: ++id, channel, args }));
        expect(reply.id).toBe(id);
        if (!reply.ok) refused += 1;
        // Whatever went through must not have harmed anything: the host keeps answering.
      }
    }
    for (const channel of ['hf:shell:exec', '__proto__', 'constructor', 'hf:plugins:list ', '', 'x'.repeat(10_000)]) {
      const reply = await ask(ws, JSON.stringify({ id: ++id, channel, args: [] }));
      expect(reply).toMatchObject({ ok: false, error: expect.stringContaining('unknown channel') as string });
    }
    expect(refused).toBeGreaterThan(CHANNELS.length * 5);
    const audited = host.audit.query({ decision: 'deny' }).slice(before);
    expect(audited.length).toBeGreaterThanOrEqual(refused);
    expect(audited.every((e) => e.method === 'IPC' && e.rule === 'ipc:refused')).toBe(true);
    await expect(ask(ws, JSON.stringify({ id: 'x', channel: 'hf:plugins:list', args: [] }))).resolves.toMatchObject({ ok: false, error: 'every request needs a numeric id' });
    await expect(ask(ws, '{not json')).resolves.toMatchObject({ ok: false });
    await expect(ask(ws, Buffer.from([0xff, 0x00, 0xfe]))).resolves.toMatchObject({ ok: false });
    await expect(ask(ws, JSON.stringify({ id: 1, channel: 'hf:plugins:list', args: [] }))).resolves.toMatchObject({ ok: true });
    ws.close();
  });

  it('refuses oversized arguments, and drops a connection that sends more than the transport takes', async () => {
    const ws = await open();
    const big = 'x'.repeat(9 * 1024 * 1024);
    await expect(ask(ws, JSON.stringify({ id: 1, channel: 'hf:plugin:invoke', args: ['plugin_dev_example_my_plugin_ping', big] }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining('exceed') as string });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('y'.repeat(20 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const again = await open();
    await expect(ask(again, JSON.stringify({ id: 2, channel: 'hf:plugin:invoke', args: ['plugin_dev_example_my_plugin_ping', JSON.stringify({ still: 'up' })] }))).resolves.toMatchObject({ ok: true });
    again.close();
  });
});

describe('hostile messages from a plugin host', () => {
  // A plugin host runs plugin code, which can write anything to its end of the channel. This
  // launcher starts real plugin hosts and lets the test speak in their name.
  async function hostWithForger(): Promise<{ host: Host; forge: (pluginId: string, message: unknown) => void }> {
    const home = scratchHome();
    installSample(home, { sample: 'hello' });
    installSample(home, { sample: 'notes' });
    const launch = standardLauncher(home);
    const listeners = new Map<string, (m: never) => void>();
    const forging: HostLauncher = (target) => {
      const real = launch(target);
      const pluginId = target.pluginId;
      return {
        get pid() {
          return real.pid;
        },
        send: (m) => real.send(m),
        onMessage: (l) => {
          listeners.set(pluginId, l);
          real.onMessage(l);
        },
        onStderrLine: (l) => real.onStderrLine(l),
        onExit: (l) => real.onExit(l),
        kill: () => real.kill(),
        egressListener: () => real.egressListener(),
        lockdown: real.lockdown,
        view: real.view,
      };
    };
    const forged = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), launcher: forging }));
    forged.plugins.discover();
    await forged.plugins.approve('dev.haloforge.sample.notes', 'all');
    await forged.start();
    return { host: forged, forge: (pluginId, message) => listeners.get(pluginId)?.(message as never) };
  }

  it('stop that plugin host with a clear error, and main and the other plugins go on', async () => {
    const { host: forged, forge } = await hostWithForger();
    for (const message of [null, { type: 'outbox', json: 'not json' }, { type: 'outbox', json: 42 }, { type: 'outbox', json: '{"not":"an array"}' }]) {
      await forged.plugins.restart('dev.example.my-plugin');
      expect(() => forge('dev.example.my-plugin', message)).not.toThrow();
      expect(forged.plugins.get('dev.example.my-plugin')).toMatchObject({ state: 'error', error: expect.stringMatching(/plugin host sent .+; it was stopped$/) });
    }
    await expect(forged.plugins.invoke('dev.haloforge.sample.notes', 'list_notes', {})).resolves.toBeDefined();
    await forged.plugins.restart('dev.example.my-plugin');
    await expect(forged.plugins.invoke('dev.example.my-plugin', 'ping', 1)).resolves.toEqual({ ok: true, echo: 1 });
  });
});
