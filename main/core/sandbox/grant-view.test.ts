import { describe, expect, it } from 'vitest';
import type { FileGrant } from '../grants/grant-types';
import { askOf, grantProblem, grantTops, PRIVATE_TMP, supervisorStart, viewGrants } from './grant-view';

const NOW = new Date('2026-12-02T10:00:00Z');

function fileGrant(folder: string, permission: FileGrant['permission'], expiresAt: string | null = null): FileGrant {
  return { id: folder, pluginId: 'p', permission, folder, createdAt: NOW.toISOString(), via: 'test', lasts: expiresAt ? 'day' : 'always', expiresAt, lastUsedAt: null };
}

describe('the grant view', () => {
  it('mounts one entry per granted path, read-write if any grant of it is, and leaves out what has lapsed', () => {
    const files = [fileGrant('/srv/a', 'filesystem_read'), fileGrant('/srv/a', 'filesystem_write'), fileGrant('/srv/b', 'filesystem_read'), fileGrant('/srv/old', 'filesystem_write', '2026-12-02T09:00:00Z')];
    expect(viewGrants({ grants: { network: [], files } }, NOW, [{ path: '/srv/once', write: false }])).toEqual([
      { path: '/srv/a', write: true },
      { path: '/srv/b', write: false },
      { path: '/srv/once', write: false },
    ]);
  });

  it.each([
    [['filesystem_read'], { read: true, write: false }],
    [['filesystem_write'], { read: true, write: true }],
    [['filesystem_read_app_data'], { read: false, write: false }],
    [[], { read: false, write: false }],
  ])('asks a plugin holding %j about paths outside its view: %j', (held, ask) => {
    expect(askOf({ holds: (t: string) => held.includes(t) })).toEqual(ask);
  });

  it.each([
    ['/', false, 'all of / cannot be granted'],
    ['/tmp', true, 'writing in all of /tmp cannot be granted'],
    ['/tmp', false, undefined],
    ['/home/u', true, undefined],
    ['/home/u/notes.md', true, undefined],
  ])('grants %s (writing: %s) only where it can hold', (path, write, problem) => {
    expect(grantProblem(path, write)).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });

  it('tells the supervisor the static view, the top-level folders a grant may lie in, and what never to show', () => {
    const root = { folders: ['/dev', '/etc', '/home', '/proc', '/run', '/sys', '/tmp', '/usr', '/work'], links: [{ path: '/lib', target: 'usr/lib' }] };
    expect(grantTops(root)).toEqual(['/etc', '/home', '/tmp', '/work']);
    const start = supervisorStart(
      { readOnly: ['/usr', '/work/app/out', '/data/plugins/p'], readOnlyIfPresent: ['/etc/localtime'], readWrite: ['/data/plugins/p/data'], symlinks: [], network: false, uid: 1000, gid: 1000 },
      { root, protectedRoots: ['/data', '/work/app'], bwrap: '/usr/bin/bwrap', command: ['node', 'host.js'], grants: [{ path: '/home/u/docs', write: true }], ask: { read: true, write: false } },
    );
    expect(start).toMatchObject({
      type: 'start',
      statics: [{ path: '/usr' }, { path: '/work/app/out' }, { path: '/data/plugins/p' }, { path: '/etc/localtime', optional: true }, { path: '/data/plugins/p/data', write: true }],
      links: [{ path: '/lib', target: 'usr/lib' }],
      tops: ['/etc', '/home', '/tmp', '/work'],
      protected: ['/data', '/work/app'],
      privateTmp: PRIVATE_TMP,
      grants: [{ path: '/home/u/docs', write: true }],
      uid: 1000,
    });
    expect(start.quiet).toContain('/etc');
    expect(PRIVATE_TMP.startsWith('/tmp/')).toBe(false);
  });
});
