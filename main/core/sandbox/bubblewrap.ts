import { spawnSync } from 'node:child_process';
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SandboxView } from './view';

/**
 * Where bubblewrap may be run from. Only absolute paths in root-owned system folders: found through
 * PATH, a plugin (or anything else) that can write to a folder on it could put a fake `bwrap`
 * there and have the next plugin host start unconfined.
 */
const CANDIDATES = ['/usr/bin/bwrap'];

export type Bubblewrap = { ok: true; path: string } | { ok: false; reason: string };

export const INSTALL_HINT = 'install it with: sudo apt-get install bubblewrap';

/** Why `path` (a file or folder) could be changed by someone other than root, if it could. */
function writableByOthers(path: string): string | undefined {
  const s = statSync(path);
  if (s.uid !== 0) return `${path} is owned by uid ${s.uid}, not root`;
  if ((s.mode & 0o022) !== 0) return `${path} is writable by its group or by everyone (mode ${(s.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Why a system file cannot be trusted to be what root installed, if it cannot: it, or a folder
 * above it, can be changed by someone other than root.
 */
export function untrustedReason(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    const problem = writableByOthers(p);
    if (problem) return problem;
    if (p === '/') return undefined;
  }
}

/**
 * Finds a bubblewrap that only root can have put there and checks that it runs here (user
 * namespaces may be turned off). Done once per process.
 */
let found: Bubblewrap | undefined;
export function findBubblewrap(): Bubblewrap {
  if (found) return found;
  found = probe();
  return found;
}

function probe(): Bubblewrap {
  if (process.platform !== 'linux') return { ok: false, reason: `bubblewrap sandboxes exist on Linux only (this is ${process.platform})` };
  const path = CANDIDATES.find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (!path) return { ok: false, reason: `bubblewrap is not installed (looked for ${CANDIDATES.join(', ')}); ${INSTALL_HINT}` };
  const problem = untrustedReason(path);
  if (problem) return { ok: false, reason: `refusing to use ${path}: ${problem}` };
  const trial = spawnSync(path, ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr', ...systemLinks().flatMap((l) => ['--symlink', l.target, l.path]), '--', '/usr/bin/true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (trial.error) return { ok: false, reason: `cannot run ${path}: ${trial.error.message}` };
  if (trial.status !== 0) return { ok: false, reason: `${path} cannot create a sandbox here (are unprivileged user namespaces turned off?): ${(trial.stderr || `exit code ${trial.status}`).trim()}` };
  return { ok: true, path };
}

/** `/bin`, `/lib`, `/lib64`, `/sbin`: links into /usr on merged-/usr systems, recreated as such. */
export function systemLinks(): SandboxView['symlinks'] {
  const links: Array<{ path: string; target: string }> = [];
  for (const path of ['/bin', '/lib', '/lib64', '/lib32', '/sbin']) {
    try {
      if (lstatSync(path).isSymbolicLink()) links.push({ path, target: readlinkSync(path) });
    } catch {
      // absent on this system
    }
  }
  return links;
}

/** Top-level system folders that are real folders here (not links into /usr). */
export function systemFolders(): string[] {
  const folders = ['/usr'];
  for (const path of ['/bin', '/lib', '/lib64', '/lib32', '/sbin']) {
    try {
      if (lstatSync(path).isDirectory()) folders.push(path);
    } catch {
      // absent on this system
    }
  }
  return folders;
}
