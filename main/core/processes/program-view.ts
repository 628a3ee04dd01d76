import { systemFolders, systemLinks } from '../sandbox/bubblewrap';
import { SANDBOX_ID, type SandboxView } from '../sandbox/view';

/**
 * What of /etc a program needs: users and groups, name resolution, certificates, Debian's
 * alternatives (links many programs in /usr/bin go through), git's system config. Not all of /etc:
 * when main runs as root the sandboxed program acts as root on every file in view, and /etc holds
 * files only root should read.
 */
const ETC = [
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/alternatives',
  '/etc/gitconfig',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/mime.types',
  '/etc/os-release',
];

export interface ProgramFolders {
  /** Folders the user granted this plugin for reading, and for writing. */
  read: readonly string[];
  write: readonly string[];
}

/**
 * The sandbox of a program a plugin runs (design §8): the system read-only, the folders the user
 * granted this plugin (read-only or read-write per grant), the plugin's data folder, a private
 * /tmp; the network only if the user allowed this program to use it.
 */
export function programView(folders: ProgramFolders, opts: { dataDir: string; network: boolean; cwd: string }): SandboxView {
  // A bind follows links at its source, so a resolv.conf that links into /run still shows its content.
  const readOnlyIfPresent = opts.network ? [...ETC, '/etc/resolv.conf'] : ETC;
  const write = new Set(folders.write);
  return {
    readOnly: [...systemFolders(), ...folders.read.filter((f) => !write.has(f))],
    readOnlyIfPresent,
    readWrite: [...write, opts.dataDir],
    symlinks: systemLinks(),
    network: opts.network,
    uid: SANDBOX_ID,
    gid: SANDBOX_ID,
    cwd: opts.cwd,
  };
}
