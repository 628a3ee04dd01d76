/**
 * One source of truth (design §9): while an app runs it owns the data folder and the command line is
 * its client through the control socket; while a command runs without an app, it holds the folder.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DataLock } from '../../main/core/control/data-lock';
import { root, sampleFolder, tempHome } from '../helpers/fixtures';
import { scratchHome } from '../helpers/per-test';
import { startWebHostProcess, type RunningWebHost } from '../helpers/web-process';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function haloforge(home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as unknown };
}

/** A panel of the running app, over its WebSocket: what it calls, and the events it hears. */
async function panelOf(app: RunningWebHost) {
  const url = new URL(app.url);
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
  // Node's resolver does not know *.localhost as browsers do: the panel's other loopback name.
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/ipc?token=${token}`, { headers: { origin: `http://127.0.0.1:${url.port}` } });
  await new Promise((ok, failed) => ws.once('open', ok).once('error', failed));
  const events: Array<{ event: string; payload: unknown }> = [];
  let next = 1;
  const waiting = new Map<number, (m: { ok: boolean; result?: unknown; error?: string }) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { id?: number; event?: string; payload?: unknown; ok: boolean; result?: unknown; error?: string };
    if (m.event) events.push({ event: m.event, payload: m.payload });
    else if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  const call = (channel: string, ...args: unknown[]) =>
    new Promise<{ ok: boolean; result?: unknown; error?: string }>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, channel, args }));
    });
  return { call, events, close: () => ws.close() };
}

async function runningApp(samples: string[] = []) {
  const { host, stop } = await startWebHostProcess(samples);
  stops.push(stop);
  return host;
}

describe('while an app runs', () => {
  it('the command line goes through it: its panels hear every change at once, and nothing is lost from plugins.json', async () => {
    const app = await runningApp();
    const panel = await panelOf(app);
    const folder = (sample: string) => sampleFolder(scratchHome(), { sample });
    expect(haloforge(app.home, 'install', folder('fetcher'), '--yes').status).toBe(0);
    expect(haloforge(app.home, 'install', folder('hello')).status).toBe(0);
    // The app's panels were told, and it sees both as its own (active, sandboxed).
    await expect.poll(() => panel.events.filter((e) => e.event === 'hf:event:plugin-changed').map((e) => (e.payload as { id: string }).id)).toEqual(expect.arrayContaining(['dev.haloforge.sample.fetcher', 'dev.example.my-plugin']));
    const listed = (await panel.call('hf:plugins:list')).result as Array<{ id: string; state: string; sandbox: { state: string } }>;
    expect(listed.map((p) => [p.id, p.state, p.sandbox.state])).toEqual([
      ['dev.example.my-plugin', 'active', 'sandboxed'],
      ['dev.haloforge.sample.fetcher', 'active', 'sandboxed'],
    ]);
    // An install from the panel afterwards keeps what the command line installed.
    expect((await panel.call('hf:install:confirm', folder('notes'), ['ipc_register', 'events_emit'])).ok).toBe(true);
    expect(haloforge(app.home, 'disable', 'dev.example.my-plugin').json()).toMatchObject({ enabled: false, state: 'inactive' });
    await expect.poll(() => panel.events.some((e) => e.event === 'hf:event:plugin-changed' && (e.payload as { id: string; enabled: boolean }).id === 'dev.example.my-plugin' && !(e.payload as { enabled: boolean }).enabled)).toBe(true);
    const saved = JSON.parse(readFileSync(join(app.home, 'plugins.json'), 'utf8')) as { plugins: Array<{ id: string; enabled: boolean }> };
    expect(saved.plugins.map((p) => [p.id, p.enabled])).toEqual([
      ['dev.example.my-plugin', false],
      ['dev.haloforge.sample.fetcher', true],
      ['dev.haloforge.sample.notes', true],
    ]);
    // The command line's refusals go through the same checks as a panel's, and are audited as its own.
    expect(haloforge(app.home, 'restricted', 'dev.example.my-plugin', 'nothing', 'on')).toMatchObject({ status: 1, stderr: expect.stringContaining('declares no Restricted permission nothing') as string });
    panel.close();
  });

  it('a second app does not start on the same data folder, and says which one holds it', async () => {
    const app = await runningApp();
    const second = spawnSync(process.execPath, [join(root, 'out', 'main', 'web.js')], { env: { ...process.env, HALOFORGE_HOME: app.home }, encoding: 'utf8', timeout: 30_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/the data folder .* is in use by HaloForge Host \(web host, pid \d+, since .*\): wait for it to end, then start HaloForge Host again/);
  });
});

describe('while a command of the command line holds the data folder', () => {
  it('no app starts, saying by whom; nor does a second command; once it ends, both can', async () => {
    const { home, cleanup } = tempHome();
    stops.push(async () => cleanup());
    const lock = DataLock.acquire(home, { kind: 'cli', what: 'haloforge install ./slow-plugin' });
    try {
      const app = spawnSync(process.execPath, [join(root, 'out', 'main', 'web.js')], { env: { ...process.env, HALOFORGE_HOME: home }, encoding: 'utf8', timeout: 30_000 });
      expect(app.status).toBe(1);
      expect(app.stderr).toMatch(new RegExp(`in use by the command line \\(pid ${process.pid}: haloforge install \\./slow-plugin, since .*\\): wait for it to end, then start HaloForge Host again`));
      expect(haloforge(home, 'list')).toMatchObject({ status: 1, stderr: expect.stringMatching(/in use by the command line .*: try again when it has ended/) as string });
    } finally {
      lock.release();
    }
    expect(haloforge(home, 'list', '--json').json()).toEqual([]);
  });

  it('a lock left by a command that died is taken over', () => {
    const { home, cleanup } = tempHome();
    stops.push(async () => cleanup());
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = JSON.stringify({ pid: dead, kind: 'cli', what: 'haloforge list', since: '2026-01-01T00:00:00Z' });
    spawnSync('sh', ['-c', `printf '%s' '${stale}' > '${join(home, '.lock')}'`]);
    expect(haloforge(home, 'list', '--json')).toMatchObject({ status: 0 });
  });
});
