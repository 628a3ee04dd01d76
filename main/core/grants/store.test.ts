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
    const g = new GrantStore(join(dir, 'grants.json'), at).add(grant);
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
    expect(store.add(grant).id).toBe(store.add(grant).id);
    expect(store.list()).toHaveLength(1);
  });

  it('revokes a grant, on disk too', () => {
    const dir = scratchHome();
    const store = new GrantStore(join(dir, 'grants.json'));
    const g = store.add(grant);
    expect(store.revoke(g.id)).toMatchObject({ host: 'api.example.com' });
    expect(store.revoke(g.id)).toBeUndefined();
    expect(new GrantStore(join(dir, 'grants.json')).list()).toEqual([]);
  });

  it('leaves no temporary file behind', () => {
    const dir = scratchHome();
    new GrantStore(join(dir, 'grants.json')).add(grant);
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
    store.setLocalNetwork('dev.a', true);
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(true);
    expect(store.localNetwork('dev.b')).toBe(false);
    store.setLocalNetwork('dev.a', false);
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(false);
  });

  it('lets a 24-hour grant lapse, keeps a session grant in memory only, and an always grant on', () => {
    const dir = scratchHome();
    let clock = new Date('2026-11-25T10:00:00.000Z');
    const store = new GrantStore(join(dir, 'grants.json'), () => clock);
    store.add({ ...grant, host: 'day.example.com', lasts: 'day' });
    store.add({ ...grant, host: 'session.example.com', lasts: 'session' });
    store.add({ ...grant, host: 'always.example.com' });
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
    store.add({ ...grant, lasts: 'session' });
    store.add(grant);
    store.add({ ...grant, scheme: 'http' });
    expect(store.list().map((g) => [g.scheme, g.lasts])).toEqual([
      ['https', 'always'],
      ['http', 'always'],
    ]);
  });

  it('records the last use, writing it out at most once a minute', () => {
    const dir = scratchHome();
    let clock = new Date('2026-11-25T10:00:00.000Z');
    const store = new GrantStore(join(dir, 'grants.json'), () => clock);
    const g = store.add(grant);
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
    const host = store.add(grant);
    const files = store.addFile({ pluginId: 'dev.a', permission: 'filesystem_write', folder: '/srv/x', via: 'test' });
    expect(store.narrow(host.id, 'day')).toMatchObject({ lasts: 'day', expiresAt: '2026-11-26T10:00:00.000Z' });
    expect(store.narrow(files.id, 'read')).toMatchObject({ permission: 'filesystem_read' });
    expect(() => store.narrow(host.id, 'day')).toThrow(/lasts for 24 hours already/);
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
    expect(() => store.add(grant)).toThrow();
    expect(store.list()).toEqual([]);
  });
});
