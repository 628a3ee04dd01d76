import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { packFolder, root, sampleFolder } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const FETCHER = 'dev.haloforge.sample.fetcher';
const temp = scratchHome;

function start(home = temp(), restartPolicy?: { maxCrashes: number; windowMs: number; baseDelayMs: number }): Host {
  const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), restartPolicy }));
  host.plugins.discover();
  return host;
}

const fetcherFolder = (version = '0.1.0', extra: Array<{ type: string; value?: unknown }> = []) =>
  sampleFolder(temp(), { sample: 'fetcher', manifest: (m) => Object.assign(m, { version, permissions: [...(m.permissions as unknown[]), ...extra] }) });

describe.each([
  ['a folder', (folder: string) => folder],
  ['an .hfpkg', (folder: string) => packFolder(folder, join(temp(), 'dev.haloforge.sample.fetcher-0.1.0.hfpkg'))],
])('installing from %s', (_what, sourceOf) => {
  it('shows permissions with tiers, waits for approval, then goes active, off, on and away', async () => {
    const host = start();
    const source = sourceOf(fetcherFolder());
    const preview = host.installer.preview(source);
    expect(preview.permissions).toEqual([{ type: 'network_http_domain', value: 'api.example.com', key: 'network_http_domain:api.example.com', tier: 'Standard', description: 'Make HTTP requests to: api.example.com', status: 'needs-approval' }]);
    await expect(host.installer.install(source, 'none')).rejects.toThrow(/needs your approval of: network_http_domain:api\.example\.com \(Standard: Make HTTP requests to: api\.example\.com\)/);
    expect(host.plugins.get(FETCHER)).toBeUndefined();

    const installed = await host.installer.install(source, 'all');
    expect(installed).toMatchObject({ id: FETCHER, state: 'active', enabled: true, needsApproval: [] });
    await expect(host.plugins.invoke(FETCHER, 'has_http', {})).resolves.toEqual({ http: true });

    expect(await host.plugins.setEnabled(FETCHER, false)).toMatchObject({ state: 'inactive', enabled: false });
    await expect(host.plugins.invoke(FETCHER, 'has_http', {})).rejects.toThrow(/is disabled/);
    expect(await host.plugins.setEnabled(FETCHER, true)).toMatchObject({ state: 'active', enabled: true });

    writeFileSync(join(host.layout.plugins, FETCHER, 'data', 'note.txt'), 'kept');
    // Every kind of standing answer it was given goes with it.
    host.grants.add({ pluginId: FETCHER, permission: 'network_http', scheme: 'https', host: 'api.example.com', port: 443, via: 'test' }, 'panel');
    host.grants.addFile({ pluginId: FETCHER, permission: 'filesystem_read', folder: '/srv/shared', via: 'test' }, 'panel');
    host.grants.setLocalNetwork(FETCHER, true, 'panel');
    await host.installer.uninstall(FETCHER, { deleteData: false });
    expect(host.grants.all(FETCHER)).toEqual([]);
    expect(host.grants.localNetwork(FETCHER)).toBe(false);
    expect(host.plugins.get(FETCHER)).toBeUndefined();
    expect(host.plugins.catalogue.record(FETCHER)).toBeUndefined();
    expect(readFileSync(join(host.layout.plugins, FETCHER, 'data', 'note.txt'), 'utf8')).toBe('kept');
    expect(existsSync(join(host.layout.plugins, FETCHER, 'manifest.json'))).toBe(false);
  });
});

describe('installation', () => {
  it('keeps enabled and disabled across restarts', async () => {
    const home = temp();
    const first = start(home);
    await first.installer.install(fetcherFolder(), 'all');
    await first.plugins.setEnabled(FETCHER, false);
    await first.shutdown();
    const second = start(home);
    await second.plugins.startAll();
    expect(second.plugins.get(FETCHER)).toMatchObject({ enabled: false, state: 'inactive', needsApproval: [] });
  });

  it('uninstalls a plugin whose manifest no longer reads, as well as one never installed through it', async () => {
    const home = temp();
    const first = start(home);
    await first.installer.install(fetcherFolder(), 'all');
    await first.shutdown();
    writeFileSync(join(homeLayout(home).plugins, FETCHER, 'manifest.json'), '{ broken');
    // A folder put there by hand, whose manifest never read: it has no record at all.
    mkdirSync(join(homeLayout(home).plugins, 'by-hand'));
    writeFileSync(join(homeLayout(home).plugins, 'by-hand', 'manifest.json'), '{}');
    const second = start(home);
    expect(second.plugins.get(FETCHER)).toMatchObject({ state: 'error', error: expect.stringContaining('invalid manifest') as string });
    for (const id of [FETCHER, 'by-hand']) await second.installer.uninstall(id, { deleteData: true });
    expect(existsSync(join(homeLayout(home).plugins, FETCHER))).toBe(false);
    expect(existsSync(join(homeLayout(home).plugins, 'by-hand'))).toBe(false);
    expect(second.plugins.list().map((p) => p.id)).toEqual([]);
    expect(second.plugins.catalogue.record(FETCHER)).toBeUndefined();
    await expect(second.installer.uninstall('by-hand', { deleteData: true })).rejects.toThrow('no plugin by-hand is installed');
  });

  it('refuses a tampered package by its sha256 sidecar', async () => {
    const host = start();
    const pkg = packFolder(fetcherFolder(), join(temp(), 'fetcher.hfpkg'));
    const bytes = readFileSync(pkg);
    bytes[bytes.length - 30] = (bytes[bytes.length - 30] as number) ^ 0xff;
    writeFileSync(pkg, bytes);
    await expect(host.installer.install(pkg, 'all')).rejects.toThrow(/fetcher\.hfpkg does not match its \.sha256 sidecar \(expected [0-9a-f]{64}, got [0-9a-f]{64}\): the package was changed or damaged/);
    expect(host.plugins.get(FETCHER)).toBeUndefined();
  });

  it('calls a package verified only against a digest the user gave, not the sidecar that came with it', async () => {
    const host = start();
    const pkg = packFolder(fetcherFolder(), join(temp(), 'fetcher.hfpkg'));
    expect(host.installer.preview(pkg).source).toMatch(/^package fetcher\.hfpkg \(sha256 [0-9a-f]{64} matches the \.sha256 file that came with it \(not verified: the same download could have changed both\)\)$/);
    const digest = readFileSync(`${pkg}.sha256`, 'utf8').split(' ')[0] as string;
    expect(() => host.installer.preview(pkg, { sha256: 'f'.repeat(64) })).toThrow(/fetcher\.hfpkg does not match the digest you gave/);
    const installed = await host.installer.install(pkg, 'all', { sha256: digest.toUpperCase() });
    expect(installed.installSource).toBe(`package fetcher.hfpkg (sha256 ${digest} verified against the digest you gave)`);
  });

  it('does not start a plugin whose library changed on disk since it was approved, and says what to do', async () => {
    const host = start();
    await host.installer.install(fetcherFolder(), 'all');
    const library = join(host.layout.plugins, FETCHER, 'native', 'libhf_fetcher.so');
    const approved = host.plugins.catalogue.record(FETCHER)?.librarySha256;
    expect(approved).toMatch(/^[0-9a-f]{64}$/);
    appendFileSync(library, 'swapped');
    await host.plugins.restart(FETCHER);
    expect(host.plugins.get(FETCHER)).toMatchObject({
      state: 'error',
      error: expect.stringMatching(new RegExp(`^the native library of ${FETCHER.replace(/\./g, '\\.')} \\(.*libhf_fetcher\\.so\\) changed on disk since it was approved \\(sha256 was ${approved}, is [0-9a-f]{64}\\): it is not started; install the plugin again to review and approve the change$`)) as string,
    });
  });

  it('refuses a package entry that escapes the plugin folder', async () => {
    const host = start();
    const { zipSync } = await import('fflate');
    const pkg = join(temp(), 'evil.hfpkg');
    writeFileSync(pkg, zipSync({ 'manifest.json': new Uint8Array(), '../../evil.sh': new TextEncoder().encode('boom') }));
    await expect(host.installer.install(pkg, 'all')).rejects.toThrow(/escapes the plugin folder/);
  });

  it('refuses a package that ships files in data/, the one folder its plugin could rewrite later', async () => {
    const host = start();
    const folder = fetcherFolder();
    mkdirSync(join(folder, 'data'));
    writeFileSync(join(folder, 'data', 'libpayload.so'), 'swapped in after approval');
    const pkg = packFolder(folder, join(temp(), 'seeded.hfpkg'));
    await expect(host.installer.install(pkg, 'all')).rejects.toThrow(/the package entry "data\/libpayload\.so" is inside data\/, the plugin's own writable folder/);
    expect(host.plugins.get(FETCHER)).toBeUndefined();
  });

  it('asks an upgrade for the new permission only, and keeps the plugin data', async () => {
    const host = start();
    await host.installer.install(fetcherFolder('0.1.0'), 'all');
    writeFileSync(join(host.layout.plugins, FETCHER, 'data', 'state.json'), '{"n":1}');
    const next = fetcherFolder('0.2.0', [{ type: 'network_http' }]);
    const preview = host.installer.preview(next);
    expect(preview.upgrade).toEqual({
      fromVersion: '0.1.0',
      toVersion: '0.2.0',
      fromAuthor: 'HaloForge Host',
      toAuthor: 'HaloForge Host',
      fromLibrarySha256: preview.librarySha256,
      toLibrarySha256: preview.librarySha256,
      added: ['network_http'],
      removed: [],
    });
    expect(preview.permissions.filter((p) => p.status === 'needs-approval').map((p) => p.key)).toEqual(['network_http']);
    await expect(host.installer.install(next, 'none', { upgrade: true })).rejects.toThrow(/needs your approval of: network_http \(Sensitive/);
    // Approving everything does not replace an installed plugin: the upgrade itself is confirmed.
    await expect(host.installer.install(next, 'all')).rejects.toThrow(/dev\.haloforge\.sample\.fetcher 0\.1\.0 is installed, and this package \(0\.2\.0\) would replace it, keeping its data, approvals and grants: review what changes \(version 0\.1\.0 → 0\.2\.0; the same native library; new permissions: network_http\) and confirm the upgrade/);
    expect(host.plugins.get(FETCHER)?.version).toBe('0.1.0');
    const upgraded = await host.installer.install(next, ['network_http'], { upgrade: true });
    expect(upgraded).toMatchObject({ version: '0.2.0', state: 'active', needsApproval: [] });
    expect(host.plugins.catalogue.record(FETCHER)).toMatchObject({ version: '0.2.0', approved: ['network_http_domain:api.example.com', 'network_http'], updateDate: expect.any(String) as string });
    expect(readFileSync(join(host.layout.plugins, FETCHER, 'data', 'state.json'), 'utf8')).toBe('{"n":1}');
  });

  it('refuses a plugin whose wire names would collide with an installed one', async () => {
    const host = start();
    await host.installer.install(fetcherFolder(), 'all');
    const twin = sampleFolder(temp(), { sample: 'fetcher', manifest: (m) => (m.id = 'dev.haloforge.sample-fetcher') });
    await expect(host.installer.install(twin, 'all')).rejects.toThrow(/wire names \(plugin_dev_haloforge_sample_fetcher_…\) would collide with those of installed plugin dev\.haloforge\.sample\.fetcher/);
  });

  it('leaves Restricted permissions off until they are turned on by hand', async () => {
    const host = start();
    const installed = await host.installer.install(fetcherFolder('0.1.0', [{ type: 'process_spawn' }]), 'all');
    expect(installed.permissions.find((p) => p.type === 'process_spawn')).toMatchObject({ tier: 'Restricted', status: 'off' });
    expect(installed.state).toBe('active');
    const on = await host.plugins.setRestricted(FETCHER, 'process_spawn', true);
    expect(on.permissions.find((p) => p.type === 'process_spawn')?.status).toBe('granted');
  });
});

describe('a plugin host that keeps crashing', () => {
  it('is restarted with backoff, then left in error with the last reason', async () => {
    const home = temp();
    sampleFolder(home, { sample: 'misbehave' });
    const host = start(home, { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 100 });
    await host.plugins.startAll();
    const id = 'dev.haloforge.test.misbehave';
    for (let crash = 1; crash <= 2; crash++) {
      await expect(host.plugins.invoke(id, 'segfault', {})).rejects.toThrow(/SIGSEGV/);
      await expect.poll(() => host.plugins.get(id)?.state, { timeout: 10_000 }).toBe('active');
    }
    await expect(host.plugins.invoke(id, 'abort', {})).rejects.toThrow(/SIGABRT/);
    expect(host.plugins.get(id)).toMatchObject({ state: 'error', error: expect.stringMatching(/SIGABRT \(aborted\).*crashed 3 times within 60 s; not restarted again/) });
    await new Promise((r) => setTimeout(r, 500));
    expect(host.plugins.get(id)?.state).toBe('error');
  });
});

describe('the command line', () => {
  const cli = (home: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { encoding: 'utf8', env: { ...process.env, HALOFORGE_HOME: home, RUST_LOG: '' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as unknown };
  };

  it('installs, lists, disables, shows and uninstalls, answering in JSON', () => {
    const home = temp();
    const pkg = packFolder(fetcherFolder(), join(temp(), 'dev.haloforge.sample.fetcher-0.1.0.hfpkg'));
    const refused = cli(home, 'install', pkg);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('network_http_domain:api.example.com');
    expect(cli(home, 'install', pkg, '--yes', '--json').json()).toMatchObject({ id: FETCHER, state: 'active', enabled: true, install_source: expect.stringContaining('sha256') as string });
    const listed = cli(home, 'list', '--json').json() as Array<Record<string, unknown>>;
    expect(listed).toEqual([
      expect.objectContaining({
        id: FETCHER,
        name: 'Fetcher',
        version: '0.1.0',
        enabled: true,
        state: 'active',
        error_message: null,
        permissions: [{ type: 'network_http_domain', value: 'api.example.com', tier: 'Standard', description: 'Make HTTP requests to: api.example.com', status: 'granted' }],
        grants: [],
        // The proof its plugin host gave of its sandbox, for a reviewer to check.
        sandbox: {
          state: 'sandboxed',
          summary: expect.stringContaining('bubblewrap') as string,
          checkedAt: expect.any(String) as string,
          proof: expect.objectContaining({ interfaces: ['lo'], canarySeen: false, capEff: '0000000000000000', seccompMode: 2, namespaces: expect.objectContaining({ net: expect.stringMatching(/^net:\[\d+\]$/) as string }) }) as unknown,
          // Main's own, beside them: every one differs.
          mainNamespaces: expect.objectContaining({ net: expect.stringMatching(/^net:\[\d+\]$/) as string }) as unknown,
        },
      }),
    ]);
    expect(cli(home, 'disable', FETCHER).json()).toMatchObject({ enabled: false, state: 'inactive' });
    expect(cli(home, 'show', FETCHER, '--json').json()).toMatchObject({ id: FETCHER, enabled: false, manifest: { id: FETCHER } });
    expect(cli(home, 'uninstall', FETCHER).json()).toEqual({ uninstalled: FETCHER, data_deleted: false });
    expect(cli(home, 'list', '--json').json()).toEqual([]);
  });

  it('replaces an installed plugin only with --upgrade, after showing what changes; --yes alone is not enough', () => {
    const home = temp();
    expect(cli(home, 'install', fetcherFolder('0.1.0'), '--yes').status).toBe(0);
    const next = fetcherFolder('0.2.0', [{ type: 'network_http' }]);
    const refused = cli(home, 'install', next, '--yes');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${FETCHER}: upgrade: version 0.1.0 → 0.2.0; the same native library; new permissions: network_http`);
    expect(refused.stderr).toMatch(/confirm the upgrade \(haloforge install .* --upgrade/);
    expect(cli(home, 'list', '--json').json()).toMatchObject([{ id: FETCHER, version: '0.1.0' }]);
    expect(cli(home, 'install', next, '--yes', '--upgrade', '--json').json()).toMatchObject({ id: FETCHER, version: '0.2.0' });
  });

  it('lists grants, revokes one, and queries the audit log', () => {
    const home = temp();
    writeFileSync(join(home, 'grants.json'), JSON.stringify({ version: 1, localNetwork: [], grants: [{ id: 'g-1', pluginId: 'dev.a.b', permission: 'network_http', host: 'api.example.com', port: 443, createdAt: '2026-11-25T10:00:00.000Z', via: 'prompt: allow always' }] }));
    const line = (decision: string, time: string) => JSON.stringify({ time, requestId: 'r', hop: 0, event: 'decision', pluginId: 'dev.a.b', method: 'GET', url: 'https://api.example.com/', decision, rule: 'grant', reason: 'x' });
    writeFileSync(join(home, 'audit.jsonl'), `${line('allow', '2026-11-25T10:00:00.000Z')}\n${line('deny', '2026-11-25T12:00:00.000Z')}\n`);
    expect(cli(home, 'grants', '--plugin', 'dev.a.b').json()).toMatchObject([{ id: 'g-1', host: 'api.example.com' }]);
    expect(cli(home, 'revoke', 'g-1').json()).toMatchObject({ revoked: { id: 'g-1' } });
    expect(cli(home, 'grants').json()).toEqual([]);
    expect(cli(home, 'revoke', 'g-1')).toMatchObject({ status: 1, stderr: 'Not found: no grant g-1\n' });
    // The revocation is a record of its own: who made it, and what it took back.
    expect(cli(home, 'audit', '--decision', 'deny').json()).toMatchObject([
      { decision: 'deny', method: 'GET' },
      { decision: 'deny', method: 'CHANGE', change: 'grant-revoked', by: 'command line', url: 'https://api.example.com:443', pluginId: 'dev.a.b' },
    ]);
    expect(cli(home, 'audit', '--since', '2026-11-25T11:00:00Z', '--until', '2026-11-26T00:00:00Z', '--plugin', 'dev.a.b').json()).toHaveLength(1);
    expect(cli(home, 'audit', '--since', 'yesterday').status).toBe(2);
  });
});

describe('a plugin host that cannot prove its sandbox', () => {
  it('keeps its plugin off and says why, until the user allows unconfined plugins, and then shows it unconfined', async () => {
    const home = temp();
    sampleFolder(home, { sample: 'hello' });
    // A launcher that starts the plugin host without bubblewrap, as on a machine without it.
    const { standardLauncher } = await import('../../main/core/host');
    const bare = standardLauncher(home, { ok: false, reason: 'bubblewrap is not installed (test)' });
    const refused = createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), launcher: bare });
    refused.plugins.discover();
    await refused.start();
    const off = refused.plugins.get('dev.example.my-plugin');
    expect(off).toMatchObject({ state: 'error', sandbox: { state: 'refused', proof: { canarySeen: true } } });
    expect(off?.error).toMatch(/^plugin dev\.example\.my-plugin is not sandboxed: it shares main's user namespace; .*it can see a file main planted outside its view; .*the plugin stays off until you allow unconfined plugins \("allowUnconfined": true in settings\.json\)$/);
    await refused.shutdown();

    writeFileSync(join(home, 'settings.json'), JSON.stringify({ allowUnconfined: true }));
    const allowed = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), launcher: bare }));
    allowed.plugins.discover();
    await allowed.start();
    expect(allowed.plugins.get('dev.example.my-plugin')).toMatchObject({ state: 'active', sandbox: { state: 'unconfined', reason: expect.stringContaining("it shares main's net namespace") as string } });
    expect(allowed.logger.tail(50).map((r) => r.message).join('\n')).toContain('running unconfined, as settings.json allows');
  });
});

describe('a machine without user namespaces', () => {
  it('keeps plugins off with the clear reason of today: nothing of the grant view is started', () => {
    const home = temp();
    sampleFolder(home, { sample: 'hello' });
    // The command line run where no new user namespace can be made (bubblewrap's --disable-userns
    // around it), as on a system whose administrator turned them off.
    const r = spawnSync('/usr/bin/bwrap', ['--unshare-user', '--disable-userns', '--bind', '/', '/', '--dev-bind', '/dev', '/dev', '--', process.execPath, join(root, 'bin', 'haloforge.js'), 'list', '--json'], {
      env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const [hello] = JSON.parse(r.stdout) as Array<{ id: string; state: string; error_message: string }>;
    expect(hello).toMatchObject({ id: 'dev.example.my-plugin', state: 'error', sandbox: { state: 'not-started' } });
    expect(hello?.error_message).toMatch(/^sandbox unavailable: \/usr\/bin\/bwrap cannot create a sandbox here \(are unprivileged user namespaces turned off\?\): .*; the plugin stays off until you allow unconfined plugins/);
  });
});
