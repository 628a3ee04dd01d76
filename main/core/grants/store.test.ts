import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GrantStore } from './store';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), 'hf-grants-'));
  dirs.push(d);
  return d;
};
const at = () => new Date('2026-11-25T10:00:00.000Z');
const grant = { pluginId: 'dev.a', permission: 'network_http' as const, host: 'api.example.com', port: 443, via: 'prompt: allow always' };

describe('the grant store', () => {
  it('keeps grants across restarts', () => {
    const dir = folder();
    const g = new GrantStore(join(dir, 'grants.json'), at).add(grant);
    expect(new GrantStore(join(dir, 'grants.json')).list('dev.a')).toEqual([{ ...grant, id: g.id, createdAt: '2026-11-25T10:00:00.000Z' }]);
  });

  it('does not add the same grant twice', () => {
    const store = new GrantStore(join(folder(), 'grants.json'));
    expect(store.add(grant).id).toBe(store.add(grant).id);
    expect(store.list()).toHaveLength(1);
  });

  it('revokes a grant, on disk too', () => {
    const dir = folder();
    const store = new GrantStore(join(dir, 'grants.json'));
    const g = store.add(grant);
    expect(store.revoke(g.id)).toMatchObject({ host: 'api.example.com' });
    expect(store.revoke(g.id)).toBeUndefined();
    expect(new GrantStore(join(dir, 'grants.json')).list()).toEqual([]);
  });

  it('leaves no temporary file behind', () => {
    const dir = folder();
    new GrantStore(join(dir, 'grants.json')).add(grant);
    expect(readdirSync(dir)).toEqual(['grants.json']);
  });

  it.each([
    ['not JSON', '{"version":1,"grants":['],
    ['the wrong structure', '{"grants":"all"}'],
    ['a malformed grant', '{"version":1,"grants":[{"id":"x","host":"*"}],"localNetwork":[]}'],
  ])('moves a file holding %s aside, reports it, and starts with nothing granted', (_what, text) => {
    const dir = folder();
    writeFileSync(join(dir, 'grants.json'), text);
    const store = new GrantStore(join(dir, 'grants.json'), at);
    expect(store.list()).toEqual([]);
    expect(store.loadProblem).toMatch(/could not be read .* moved to .*grants\.json\.corrupt-2026-11-25T10-00-00-000Z and every grant starts revoked/);
    expect(readFileSync(join(dir, 'grants.json.corrupt-2026-11-25T10-00-00-000Z'), 'utf8')).toBe(text);
    expect(existsSync(join(dir, 'grants.json'))).toBe(false);
  });

  it('keeps the local network toggle per plugin', () => {
    const dir = folder();
    const store = new GrantStore(join(dir, 'grants.json'));
    store.setLocalNetwork('dev.a', true);
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(true);
    expect(store.localNetwork('dev.b')).toBe(false);
    store.setLocalNetwork('dev.a', false);
    expect(new GrantStore(join(dir, 'grants.json')).localNetwork('dev.a')).toBe(false);
  });

  it('changes nothing in memory when the write fails', () => {
    const store = new GrantStore('/nonexistent-dir/grants.json');
    expect(() => store.add(grant)).toThrow();
    expect(store.list()).toEqual([]);
  });
});
