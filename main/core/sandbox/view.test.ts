import { describe, expect, it } from 'vitest';
import { bwrapArguments, type SandboxView } from './view';

const view: SandboxView = {
  readOnly: ['/home/u/.haloforge/plugins/p', '/usr', '/opt/app/out/plugin-host/index.cjs'],
  readOnlyIfPresent: ['/etc/ld.so.cache'],
  readWrite: ['/home/u/.haloforge/plugins/p/data'],
  symlinks: [{ path: '/lib', target: 'usr/lib' }],
  network: false,
  uid: 1000,
  gid: 1000,
};

describe('the bubblewrap arguments of a view', () => {
  it('unshares everything, drops capabilities, maps to an unprivileged id and dies with its parent', () => {
    const args = bwrapArguments(view);
    expect(args.slice(0, 10)).toEqual(['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--uid', '1000', '--gid', '1000', '--tmpfs']);
    expect(args).not.toContain('--share-net');
  });

  it('mounts the private /tmp before any bind, parents before children, the data folder read-write inside the read-only plugin folder, and seals the root', () => {
    expect(bwrapArguments(view).join(' ')).toBe(
      [
        '--unshare-all --die-with-parent --new-session --cap-drop ALL --uid 1000 --gid 1000',
        '--tmpfs /tmp --proc /proc --dev /dev',
        '--symlink usr/lib /lib',
        '--ro-bind /usr /usr',
        '--ro-bind-try /etc/ld.so.cache /etc/ld.so.cache',
        '--ro-bind /home/u/.haloforge/plugins/p /home/u/.haloforge/plugins/p',
        '--ro-bind /opt/app/out/plugin-host/index.cjs /opt/app/out/plugin-host/index.cjs',
        '--bind /home/u/.haloforge/plugins/p/data /home/u/.haloforge/plugins/p/data',
        '--remount-ro /',
      ].join(' '),
    );
  });

  it('shares the network and sets the working folder only when asked', () => {
    const args = bwrapArguments({ ...view, network: true, cwd: '/work/repo' });
    expect(args).toContain('--share-net');
    expect(args.slice(-2)).toEqual(['--chdir', '/work/repo']);
  });
});
