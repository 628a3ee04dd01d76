import { describe, expect, it } from 'vitest';
import type { FileGrant } from '../grants/grant-types';
import { validateManifest, validationContextFor, type Manifest } from '../manifest/validate';
import type { NetworkGrant } from '../policy/engine';
import { smallManifest } from '../../../test/helpers/manifests';
import { resolveAuthority, type AuthoritySources } from './authority';

function manifest(permissions: unknown[], commands: unknown[] = [{ id: 'status' }]): Manifest {
  const result = validateManifest(smallManifest({ permissions, commands }), validationContextFor('linux'));
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.manifest;
}

const none = { network: [], files: [] };
const record = (approved: string[] = [], restrictedEnabled: string[] = [], enabled = true) => ({ approved, restrictedEnabled, enabled });
const sources = (over: Partial<AuthoritySources>): AuthoritySources => ({ manifest: manifest([]), record: record(), grants: none, localNetwork: false, ...over });

const git = manifest([{ type: 'events_listen' }, { type: 'process_spawn_whitelist', value: ['git', 'git'] }, { type: 'filesystem_read' }, { type: 'process_spawn' }]);

describe("a plugin's authority", () => {
  it('holds its Transparent permissions and only the Standard and Sensitive ones the user approved', () => {
    const a = resolveAuthority(sources({ manifest: git, record: record(['process_spawn_whitelist:["git","git"]']) }));
    expect(a.permissions).toEqual([{ type: 'events_listen' }, { type: 'process_spawn_whitelist', value: ['git', 'git'] }]);
    expect(a.holds('events_listen')).toBe(true);
    expect(a.holds('filesystem_read')).toBe(false);
    expect(a.pending.map((p) => p.key)).toEqual(['filesystem_read']);
    expect(a.whitelist).toEqual(['git']);
  });

  it('holds a Restricted permission only while the user keeps it turned on', () => {
    const approvedAll = ['process_spawn_whitelist:["git","git"]', 'filesystem_read'];
    expect(resolveAuthority(sources({ manifest: git, record: record(approvedAll) })).holds('process_spawn')).toBe(false);
    const on = resolveAuthority(sources({ manifest: git, record: record(approvedAll, ['process_spawn']) }));
    expect(on.holds('process_spawn')).toBe(true);
    expect(on.pending).toEqual([]);
  });

  it('grants nothing beyond the Transparent tier to a plugin without a record, and counts it disabled', () => {
    const a = resolveAuthority(sources({ manifest: git, record: undefined }));
    expect(a.enabled).toBe(false);
    expect(a.permissions).toEqual([{ type: 'events_listen' }]);
    expect(a.whitelist).toEqual([]);
  });

  it('knows which commands other plugins may call: only those its manifest exports', () => {
    const a = resolveAuthority(sources({ manifest: manifest([], [{ id: 'open', exported: true }, { id: 'secret' }, { id: 'quiet', exported: false }]) }));
    expect([...a.exported]).toEqual(['open']);
  });

  it('carries the grants and the local network toggle as they were when it was resolved', () => {
    const grant: NetworkGrant = { id: 'g1', pluginId: 'dev.example.tool', permission: 'network_http', scheme: 'https', host: 'api.example.com', port: 443, via: 'prompt: allow always', lasts: 'always', createdAt: 'x', expiresAt: null, lastUsedAt: null };
    const folder: FileGrant = { id: 'g2', pluginId: 'dev.example.tool', permission: 'filesystem_read', folder: '/home/u/repo', via: 'prompt: allow always', lasts: 'always', createdAt: 'x', expiresAt: null, lastUsedAt: null };
    const a = resolveAuthority(sources({ grants: { network: [grant], files: [folder] }, localNetwork: true }));
    // The store marks a grant's last use in place; the authority keeps its own copy.
    grant.lastUsedAt = 'later';
    expect(a.grants.network).toEqual([{ ...grant, lastUsedAt: null }]);
    expect(a.grants.files).toEqual([folder]);
    expect(a.localNetwork).toBe(true);
  });

  it('cannot be changed by whoever reads it', () => {
    const a = resolveAuthority(sources({ manifest: git, record: record(['process_spawn_whitelist:["git","git"]']) }));
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => (a.permissions as unknown[]).push({ type: 'process_spawn' })).toThrow(TypeError);
    expect(() => ((a.states[2] as { status: string }).status = 'granted')).toThrow(TypeError);
    expect(a.holds('filesystem_read')).toBe(false);
  });
});
