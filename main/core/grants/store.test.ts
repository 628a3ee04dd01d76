import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import { GrantStore } from './store';

const at = () => new Date('2026-11-25T10:00:00.000Z');
const grant = { pluginId: 'dev.a', permission: 'network_http' as const, scheme: 'https' as const, host: 'api.example.com', port: 443, via: 'prompt: allow always' };

describe('the grant store', () => {
  it('keeps grants across restarts', () => {
    const dir = scratchHome();
    const g = new GrantStore(join(dir, 'grants.json'), at).add(grant, 'panel');
    expect(new GrantStore(join(dir, 'grants.json'), at).list('dev.a')).toEqual([{ ...grant, id: g.id, createdAt: '2026-11-25T10:00:00.000Z', lasts: 'always', expiresAt: null, lastUsedAt: null }]);
  });

  it("drops an earlier version's 'program may use the network' grants, saying so, and keeps the rest", () => {
    const path = join(scratchHome(), 'grants.json');
    const terms = { createdAt: '2026-11-01T00:00:00.000Z', lasts: 'always', expiresAt: null, lastUsedAt: null, via: 'prompt' };
    const folder = { id: 'f1', pluginId: 'dev.a', permission: 'filesystem_read', folder: '/srv/repo', ...terms };
    writeFileSync(path, JSON.stringify({ version: 2, grants: [folder, { id: 'p1', pluginId: 'dev.a', permission: 'program_network', program: 'git', ...terms }], localNetwork: [] }));
    const store = new GrantStore(path, at);
    expect(store.loadProblem).toBeUndefined();
    expect(store.droppedNote).toMatch(/^1 "program may use the network" grant was dropped from .*grants\.json: programs now use their plugin's own network/);
    expect(store.all()).toEqual([folder]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 2, grants: [folder], localNetwork: [] });
    expect(new GrantStore(path, at).droppedNote).toBeUndefined();
  });

  it('does not add the same grant twice', () => {
    const store = new GrantStore(join(scratchHome(), 'grants.json'));
    expect(store.add(grant, 'panel').id).toBe(store.add(grant, 'panel').id);
    expect(store.list()).toHaveLength(1);
  });

  it('revokes a grant, on disk too', () => {
    const dir = scratchHome();
    const store = new GrantStore(join(dir, 'grants.json'));
    const g = store.add(grant, 'panel');
    expect(store.revoke(g.id, 'panel')).toMatchObject({ host: 'api.example.com' });
    expect(store.revoke(g.id, 'panel')).toBeUndefined();
    expect(new GrantStore(join(dir, 'grants.json')).list()).toEqual([]);
  });

  it('leaves no temporary file behind', () => {
    const dir = scratchHome();
    new GrantStore(join(dir, 'grants.json')).add(grant, 'panel');
    expect(readdirSync(dir)).toEqual(['grants.json']);
  });

  it.each([
    ['not JSON', '{"version":1,"grants":['],
    ['the wrong structure', '{"grants":"all"}'],
    ['a malformed grant', '{"version":1,"grants":[{"id":"x","host":"*"}],"localNetwork":[]}'],
  ])('moves a file holding %s aside, reports it, and starts with nothing granted', (_what, text) => {
    const dir = scratchHome();
    writeFileSync(join(dir, 'grants.json'), text);
    const store = new GrantStore(join(dir, 'grants.json'), at);
    expect(store.list()).toEqual([]);
    expect(store.loadProblem).toMatch(/could not be read .* moved to .*grants\.json\.corrupt-2026-11-25T10-00-00-000Z and every grant starts revoked/);
    expect(readFileSync(join(dir, 'grants.json.corrupt-2026-11-25T10-00-00-000Z'), 'utf8')).toBe(text);
    expect(existsSync(join(dir, 'grants.json'))).toBe(false);
  });

  it('keeps the local network toggle per plugin', () => {
    const dir = scratchHome();
    const store = new GrantStore(join(dir, 'grants.json'));
    store.setLocalNetwork('dev.a', true, 'panel');
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(true);
    expect(store.localNetwork('dev.b')).toBe(false);
    store.setLocalNetwork('dev.a', false, 'panel');
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(false);
  });

  it('lets a 24-hour grant lapse, keeps a session grant in memory only, and an always grant on', () => {
    const dir = scratchHome();
    let clock = new Date('2026-11-25T10:00:00.000Z');
    const store = new GrantStore(join(dir, 'grants.json'), () => clock);
    store.add({ ...grant, host: 'day.example.com', lasts: 'day' }, 'panel');
    store.add({ ...grant, host: 'session.example.com', lasts: 'session' }, 'panel');
    store.add({ ...grant, host: 'always.example.com' }, 'panel');
    expect(store.list().map((g) => [g.host, g.lasts, g.expiresAt])).toEqual([
      ['day.example.com', 'day', '2026-11-26T10:00:00.000Z'],
      ['always.example.com', 'always', null],
      ['session.example.com', 'session', null],
    ]);
    expect(new GrantStore(join(dir, 'grants.json'), () => clock).list().map((g) => g.host)).toEqual(['day.example.com', 'always.example.com']);
    clock = new Date('2026-11-26T09:59:59.000Z');
    expect(store.list().map((g) => g.host)).toContain('day.example.com');
    clock = new Date('2026-11-26T10:00:00.000Z');
    expect(store.list().map((g) => g.host)).toEqual(['always.example.com', 'session.example.com']);
  });

  it('replaces a grant when the user answers again for the same scheme, host and port, and tells them apart by scheme', () => {
    const store = new GrantStore(join(scratchHome(), 'grants.json'), at);
    store.add({ ...grant, lasts: 'session' }, 'panel');
    store.add(grant, 'panel');
    store.add({ ...grant, scheme: 'http' }, 'panel');
    expect(store.list().map((g) => [g.scheme, g.lasts])).toEqual([
      ['https', 'always'],
      ['http', 'always'],
    ]);
  });

  it('records the last use, writing it out at most once a minute', () => {
    const dir = scratchHome();
    let clock = new Date('2026-11-25T10:00:00.000Z');
    const store = new GrantStore(join(dir, 'grants.json'), () => clock);
    const g = store.add(grant, 'panel');
    store.touch(g.id);
    clock = new Date('2026-11-25T10:00:30.000Z');
    store.touch(g.id);
    expect(store.list()[0]?.lastUsedAt).toBe('2026-11-25T10:00:30.000Z');
    expect(new GrantStore(join(dir, 'grants.json')).list()[0]?.lastUsedAt).toBe('2026-11-25T10:00:00.000Z');
    clock = new Date('2026-11-25T10:01:01.000Z');
    store.touch(g.id);
    expect(new GrantStore(join(dir, 'grants.json')).list()[0]?.lastUsedAt).toBe('2026-11-25T10:01:01.000Z');
  });

  it('narrows an always grant to 24 hours and a write grant to reading', () => {
    const dir = scratchHome();
    const store = new GrantStore(join(dir, 'grants.json'), at);
    const host = store.add(grant, 'panel');
    const files = store.addFile({ pluginId: 'dev.a', permission: 'filesystem_write', folder: '/srv/x', via: 'test' }, 'panel');
    expect(store.narrow(host.id, 'day', 'panel')).toMatchObject({ lasts: 'day', expiresAt: '2026-11-26T10:00:00.000Z' });
    expect(store.narrow(files.id, 'read', 'panel')).toMatchObject({ permission: 'filesystem_read' });
    expect(() => store.narrow(host.id, 'day', 'panel')).toThrow(/lasts for 24 hours already/);
    expect(new GrantStore(join(dir, 'grants.json'), at).all().map((g) => [g.permission, g.lasts])).toEqual([
      ['network_http', 'day'],
      ['filesystem_read', 'always'],
    ]);
  });

  it('reads the first version of the file, where host grants had no scheme and every grant lasted always', () => {
    const dir = scratchHome();
    writeFileSync(
      join(dir, 'grants.json'),
      JSON.stringify({
        version: 1,
        grants: [{ id: 'n', pluginId: 'dev.a', permission: 'network_http', host: 'api.example.com', port: 443, createdAt: 't', via: 'v' }],
        files: [{ id: 'f', pluginId: 'dev.a', permission: 'filesystem_read', folder: '/srv', createdAt: 't', via: 'v' }],
        localNetwork: ['dev.a'],
      }),
    );
    const store = new GrantStore(join(dir, 'grants.json'), at);
    expect(store.loadProblem).toBeUndefined();
    expect(store.all()).toMatchObject([
      { id: 'n', scheme: 'https', lasts: 'always', expiresAt: null },
      { id: 'f', folder: '/srv', lasts: 'always' },
    ]);
    expect(store.localNetwork('dev.a')).toBe(true);
  });

  it('changes nothing in memory when the write fails', () => {
    const store = new GrantStore('/nonexistent-dir/grants.json');
    expect(() => store.add(grant, 'panel')).toThrow();
    expect(store.list()).toEqual([]);
  });
});

describe('changes to the grant store', () => {
  it('are told with who made them, once on disk', () => {
    const store = new GrantStore(join(scratchHome(), 'grants.json'), at);
    const told: string[] = [];
    store.onGrantChange((c) => told.push(`${c.change} by ${c.by}`));
    const g = store.add(grant, 'panel');
    store.narrow(g.id, 'day', 'command line');
    store.revoke(g.id, 'panel');
    store.setLocalNetwork('dev.a', true, 'command line');
    store.setLocalNetwork('dev.a', true, 'command line');
    expect(told).toEqual(['grant-given by panel', 'grant-narrowed by command line', 'grant-revoked by panel', 'local-network-on by command line']);
  });

  it('record a narrowing on the grant itself: when, by whom, from what', () => {
    const store = new GrantStore(join(scratchHome(), 'grants.json'), at);
    const g = store.add(grant, 'panel');
    expect(store.narrow(g.id, 'day', 'panel')?.narrowed).toEqual({ at: '2026-11-25T10:00:00.000Z', by: 'panel', from: 'always' });
  });

  it('drop a 24-hour grant that ran out while the host was not running, telling it as the host\'s change', () => {
    const path = join(scratchHome(), 'grants.json');
    new GrantStore(path, at).add({ ...grant, lasts: 'day' }, 'panel');
    const later = new GrantStore(path, () => new Date('2026-11-27T10:00:00.000Z'));
    const told: string[] = [];
    later.onGrantChange((c) => told.push(`${c.change} by ${c.by}`));
    later.expireDue();
    later.close();
    expect(told).toEqual(['grant-expired by host']);
    expect(JSON.parse(readFileSync(path, 'utf8')).grants).toEqual([]);
  });

  it('tell a grant running out while the host runs, when it does', async () => {
    let clock = new Date('2026-11-25T10:00:00.000Z');
    const store = new GrantStore(join(scratchHome(), 'grants.json'), () => clock);
    const expired = new Promise<string>((resolve) => store.onGrantChange((c) => c.change === 'grant-expired' && resolve(c.by)));
    const g = store.add({ ...grant, lasts: 'day' }, 'panel');
    // The store's clock jumps past the expiry; its timer is what notices.
    clock = new Date(Date.parse(g.expiresAt ?? '') + 1);
    store.expireDue();
    await expect(expired).resolves.toBe('host');
    expect(store.all()).toEqual([]);
    store.close();
  });

  it('keep "deny always" apart from grants: it covers its origin, or its folder and below (reading refused covers changing)', () => {
    const store = new GrantStore(join(scratchHome(), 'grants.json'), at);
    store.addDenial({ pluginId: 'dev.a', permission: 'deny', denied: 'network_http', scheme: 'https', host: 'ads.example.com', port: 443, via: 'prompt: deny always' }, 'panel');
    store.addDenial({ pluginId: 'dev.a', permission: 'deny', denied: 'filesystem_read', folder: '/home/u/.ssh', via: 'prompt: deny always' }, 'panel');
    expect(store.list('dev.a')).toEqual([]);
    expect(store.listFiles('dev.a')).toEqual([]);
    expect(store.denialOf('dev.a', { scheme: 'https', host: 'ads.example.com', port: 443 })).toBeDefined();
    expect(store.denialOf('dev.a', { scheme: 'http', host: 'ads.example.com', port: 80 })).toBeUndefined();
    expect(store.denialOf('dev.a', { path: '/home/u/.ssh/id_ed25519', write: true })).toBeDefined();
    expect(store.denialOf('dev.a', { path: '/home/u/.sshx', write: false })).toBeUndefined();
    expect(store.denialOf('dev.b', { path: '/home/u/.ssh', write: false })).toBeUndefined();
  });
});

describe('revoking all of a plugin', () => {
  it('takes every grant and denial of that plugin, in one write, telling each, and leaves the others', () => {
    const path = join(scratchHome(), 'grants.json');
    const store = new GrantStore(path, at);
    const told: string[] = [];
    store.onGrantChange((c) => 'grant' in c && told.push(`${c.change} ${c.grant.id} by ${c.by}`));
    const a = store.add(grant, 'panel');
    const b = store.add({ ...grant, host: 'session.example.com', lasts: 'session' }, 'panel');
    const d = store.addDenial({ pluginId: 'dev.a', permission: 'deny', denied: 'network_http', scheme: 'https', host: 'ads.example.com', port: 443, via: 'prompt: deny always' }, 'panel');
    const other = store.add({ ...grant, pluginId: 'dev.b' }, 'panel');
    told.length = 0;
    expect(store.revokeAll('dev.a', 'command line').map((g) => g.id).sort()).toEqual([a.id, b.id, d.id].sort());
    expect(told.sort()).toEqual([a.id, b.id, d.id].map((id) => `grant-revoked ${id} by command line`).sort());
    expect(store.all().map((g) => g.id)).toEqual([other.id]);
    expect(new GrantStore(path, at).all().map((g) => g.id)).toEqual([other.id]);
    expect(store.revokeAll('dev.a', 'panel')).toEqual([]);
  });
});
