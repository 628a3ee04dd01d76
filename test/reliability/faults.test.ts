import { spawn, spawnSync } from 'node:child_process';
import { decisions } from '../helpers/hosts';
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { GrantStore } from '../../main/core/grants/store';
import { homeLayout } from '../../main/core/paths';
import { installSample, root, sampleFolder } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';
import { startTestServer, type TestServer } from '../helpers/servers';

const MISBEHAVE = 'dev.haloforge.test.misbehave';
const HELLO = 'dev.example.my-plugin';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(setup: (home: string) => void = () => undefined): Promise<Host> {
  const home = scratchHome();
  server = await startTestServer();
  installSample(home, { sample: 'hello' });
  installSample(home, { sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'network_http_domain', value: `api.hf.test:${server?.port}` }]) });
  setup(home);
  const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), resolver: async () => ['127.0.0.1'], restartPolicy: { baseDelayMs: 100 } }));
  host.plugins.discover();
  await host.plugins.approve(MISBEHAVE, 'all');
  host.grants.setLocalNetwork(MISBEHAVE, true, 'panel');
  await host.start();
  return host;
}

const url = (path: string) => `http://api.hf.test:${server?.port}${path}`;

describe('when main dies without shutting down', () => {
  it('its plugin hosts end too instead of living on as orphans', async () => {
    const home = scratchHome();
    installSample(home, { sample: 'hello' });
    const main = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'reliability', 'main-dies.ts'), home], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      main.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      main.once('exit', (code) => reject(new Error(`main exited early with ${code}`)));
    });
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    main.kill('SIGKILL');
    await expect.poll(alive, { timeout: 10_000 }).toBe(false);
  });
});

describe('when a plugin writes garbage to its channel to main', () => {
  it('its plugin host is stopped with the reason, and main and the other plugins go on', async () => {
    const host = await start();
    const forged = host.plugins.invoke(MISBEHAVE, 'forge_frame', {});
    await expect(forged).rejects.toThrow(/sent a malformed message \(a frame.+\); it was stopped/);
    await expect(host.plugins.invoke(HELLO, 'ping', 1)).resolves.toEqual({ ok: true, echo: 1 });
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state, { timeout: 10_000 }).toBe('active');
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', 2)).resolves.toEqual({ echo: 2 });
  });
});

describe('when a plugin host is killed', () => {
  it('in the middle of an invoke, the invoke fails clearly and everything else goes on', async () => {
    const host = await start();
    const pending = host.plugins.invoke(MISBEHAVE, 'sleep', { ms: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(host.plugins.pidOf(MISBEHAVE) as number, 'SIGKILL');
    await expect(pending).rejects.toThrow(/'sleep' failed: plugin dev\.haloforge\.test\.misbehave stopped: plugin host was killed by SIGKILL/);
    await expect(host.plugins.invoke(HELLO, 'ping', 1)).resolves.toEqual({ ok: true, echo: 1 });
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state, { timeout: 10_000 }).toBe('active');
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', 2)).resolves.toEqual({ echo: 2 });
  });

  it('in the middle of a brokered request, the request is recorded whole and the host stays up', async () => {
    const host = await start();
    const pending = host.plugins.invoke(MISBEHAVE, 'fetch_json', { url: url('/slow?ms=800') });
    await expect.poll(() => server?.seen.some((s) => s.url.startsWith('/slow'))).toBe(true);
    process.kill(host.plugins.pidOf(MISBEHAVE) as number, 'SIGKILL');
    await expect(pending).rejects.toThrow(/killed by SIGKILL/);
    await expect.poll(() => decisions(host).map((e) => e.event), { timeout: 5000 }).toEqual(['decision', 'response']);
    const lines = readFileSync(join(host.layout.home, 'audit.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { status?: number }).at(-1)?.status).toBe(200);
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state, { timeout: 10_000 }).toBe('active');
    await expect(host.plugins.invoke(MISBEHAVE, 'fetch_json', { url: url('/json') })).resolves.toMatchObject({ status: 200 });
  });
});

describe('when the disk fails', () => {
  it('a full disk under the audit file refuses the request, and nothing is sent', async () => {
    const host = await start((home) => symlinkSync('/dev/full', join(home, 'audit.jsonl')));
    const before = server?.seen.length;
    await expect(host.plugins.invoke(MISBEHAVE, 'fetch_json', { url: url('/json') })).rejects.toThrow(/^Network error: the audit log cannot be written \(ENOSPC: no space left on device, write\), so the request was refused$/);
    expect(server?.seen.length).toBe(before);
    await expect(host.plugins.invoke(HELLO, 'ping', 3)).resolves.toEqual({ ok: true, echo: 3 });
  });

  it('a read-only data folder gives clear errors, loses no grant and invents none', async () => {
    const host = await start();
    const grant = host.grants.add({ pluginId: MISBEHAVE, permission: 'network_http', scheme: 'https', host: 'a.example.com', port: 443, via: 'test' }, 'panel');
    const home = host.layout.home;
    const before = readFileSync(join(home, 'grants.json'), 'utf8');
    const lock = (on: boolean) => {
      const asRoot = process.getuid?.() === 0;
      const r = asRoot ? spawnSync('chattr', [on ? '+i' : '-i', home]) : spawnSync('chmod', [on ? '0555' : '0755', home]);
      if (r.status !== 0) throw new Error(`cannot make ${home} read-only: ${String(r.stderr)}`);
    };
    lock(true);
    try {
      expect(() => host.grants.add({ pluginId: MISBEHAVE, permission: 'network_http', scheme: 'https', host: 'b.example.com', port: 443, via: 'test' }, 'panel')).toThrow(/EPERM|EACCES/);
      expect(() => host.grants.revoke(grant.id, 'panel')).toThrow(/EPERM|EACCES/);
      await expect(host.plugins.setEnabled(HELLO, false)).rejects.toThrow(/EPERM|EACCES/);
      expect(host.grants.list(MISBEHAVE)).toEqual([grant]);
      expect(host.plugins.get(HELLO)?.enabled).toBe(true);
      await expect(host.plugins.invoke(HELLO, 'ping', 4)).resolves.toEqual({ ok: true, echo: 4 });
    } finally {
      lock(false);
    }
    expect(readFileSync(join(home, 'grants.json'), 'utf8')).toBe(before);
    expect(new GrantStore(join(home, 'grants.json')).list()).toEqual([grant]);
  });
});

describe('when main crashes between writing and renaming the grants file', () => {
  it('the old grants stay in force, no half-written file is read, and the leftover is cleared', () => {
    const home = scratchHome();
    const path = join(home, 'grants.json');
    const kept = new GrantStore(path).add({ pluginId: 'dev.t.p', permission: 'network_http', scheme: 'https', host: 'old.example.com', port: 443, via: 'prompt: allow always' }, 'panel');
    const before = readFileSync(path, 'utf8');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test', 'reliability', 'crash-during-grant.ts'), path], { cwd: root, encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    expect(new GrantStore(path).list()).toEqual([kept]);
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('installing over a broken package', () => {
  it('keeps the installed version running', async () => {
    const host = await start();
    const folder = sampleFolder(scratchHome(), { sample: 'hello', manifest: (m) => (m.version = '0.2.0') });
    writeFileSync(join(folder, 'manifest.json'), '{ broken');
    await expect(host.installer.install(folder, 'all')).rejects.toThrow(/invalid manifest/);
    expect(host.plugins.get(HELLO)).toMatchObject({ version: '0.1.0', state: 'active' });
    expect(existsSync(join(host.layout.home, '.staging'))).toBe(true);
    expect(readdirSync(join(host.layout.home, '.staging'))).toEqual([]);
  });
});

describe('an upgrade that cannot be put in place', () => {
  it('leaves the installed version running with its data', async () => {
    const host = await start();
    await host.installer.install(sampleFolder(scratchHome(), { sample: 'hello' }), 'all', { upgrade: true });
    writeFileSync(join(host.layout.plugins, HELLO, 'data', 'keep.txt'), 'mine');
    const next = sampleFolder(scratchHome(), { sample: 'hello', manifest: (m) => (m.version = '0.2.0') });
    const plugins = host.layout.plugins;
    const asRoot = process.getuid?.() === 0;
    const lock = (on: boolean) => spawnSync(asRoot ? 'chattr' : 'chmod', asRoot ? [on ? '+i' : '-i', plugins] : [on ? '0555' : '0755', plugins]);
    lock(true);
    try {
      await expect(host.installer.install(next, 'all', { upgrade: true })).rejects.toThrow(/could not put dev\.example\.my-plugin 0\.2\.0 in place: (EPERM|EACCES)/);
    } finally {
      lock(false);
    }
    expect(host.plugins.get(HELLO)).toMatchObject({ version: '0.1.0', state: 'active' });
    expect(readFileSync(join(plugins, HELLO, 'data', 'keep.txt'), 'utf8')).toBe('mine');
    await expect(host.plugins.invoke(HELLO, 'ping', 5)).resolves.toEqual({ ok: true, echo: 5 });
  });
});
