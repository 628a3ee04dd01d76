/**
 * The grant view (design §8.1): what a plugin host's supervisor is told, worked out from the
 * sandbox's view and the plugin's authority. Pure, so the whole arrangement reads in one place:
 * - the static view (what the plugin host runs from, its own folder read-only, its data folder
 *   read-write, a private temporary folder) is mounted at the same paths as outside;
 * - every folder or file the user granted is mounted at its real path, read-only or read-write as
 *   granted, while the grant holds;
 * - a call naming a path outside the view is asked of main, if the plugin may be asked at all
 *   (it holds `filesystem_read` or `filesystem_write` for that kind of access) and the path is
 *   not a system folder, where libraries look for optional files and nobody should be prompted;
 * - the data folder and the app are never shown, whatever is granted: masked inside a grant.
 */
import type { PluginAuthority } from '../plugins/authority';
import { holds } from '../grants/terms';
import type { SandboxView } from './view';

/**
 * The private temporary folder, `TMPDIR` inside the sandbox, gone when its plugin host stops. It is
 * not under /tmp: there, everything is the real /tmp (asked on first use), and no grant of /tmp can
 * hide it.
 */
export const PRIVATE_TMP = '/run/haloforge-tmp';

/** System folders: outside the view they do not exist, and nobody is asked about them. */
export const QUIET_FOLDERS = ['/usr', '/etc', '/proc', '/sys', '/dev', '/run', '/boot', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/snap'];

/** Top-level folders of the root that never hold a grant: the sandbox has its own, or none. */
const NO_GRANTS_BELOW = new Set(['/proc', '/sys', '/dev', '/run', '/usr', '/boot', '/lost+found']);

/** A grant as the supervisor mounts it. */
export interface ViewGrant {
  path: string;
  write: boolean;
}

/** Which kinds of access the plugin may be asked about (its approved filesystem permissions). */
export interface ViewAsk {
  read: boolean;
  write: boolean;
}

/** The host root's own entries at the top level: real folders, and links (`/lib -> usr/lib`). */
export interface HostRoot {
  folders: readonly string[];
  links: ReadonlyArray<{ path: string; target: string }>;
}

/** The message that starts a supervisor: its sandbox, its grants and the plugin host it runs. */
export interface SupervisorStart {
  type: 'start';
  statics: Array<{ path: string; write?: boolean; optional?: boolean }>;
  links: Array<{ path: string; target: string }>;
  tops: string[];
  protected: string[];
  quiet: string[];
  privateTmp: string;
  grants: ViewGrant[];
  ask: ViewAsk;
  uid: number;
  gid: number;
  bwrap: string;
  command: string[];
  /** The program shim and gate, and where the plugin's whitelisted programs' names find the shim. */
  programs?: { shim: string; gate: string; shims: string[]; programs: string[]; gitIdentity?: string };
}

/** The folders a grant may lie in, made in the tree from the start (the plugin host's write rules hold on them). */
export function grantTops(root: HostRoot): string[] {
  return root.folders.filter((f) => !NO_GRANTS_BELOW.has(f));
}

export function supervisorStart(
  view: SandboxView,
  facts: { root: HostRoot; protectedRoots: readonly string[]; bwrap: string; command: string[]; grants: ViewGrant[]; ask: ViewAsk; programs?: SupervisorStart['programs'] },
): SupervisorStart {
  const write = new Set(view.readWrite);
  const statics = [
    ...view.readOnly.filter((p) => !write.has(p)).map((path) => ({ path })),
    ...(view.readOnlyIfPresent ?? []).map((path) => ({ path, optional: true })),
    ...view.readWrite.map((path) => ({ path, write: true })),
  ];
  return {
    type: 'start',
    statics,
    links: [...facts.root.links],
    tops: grantTops(facts.root),
    protected: [...facts.protectedRoots],
    quiet: QUIET_FOLDERS,
    privateTmp: PRIVATE_TMP,
    grants: facts.grants,
    ask: facts.ask,
    uid: view.uid,
    gid: view.gid,
    bwrap: facts.bwrap,
    command: facts.command,
    ...(facts.programs ? { programs: facts.programs } : {}),
  };
}

/**
 * Why `path` cannot be granted, if it cannot: the whole file system, never (the sandbox's own root
 * is the view); writing in all of a top-level folder (`/tmp`, `/home`), never either: Landlock's
 * write rules hold on the tree's top-level folders, and a mount hides the folder it is mounted on
 * from them, so writes below it would be refused anyway. A folder or file inside one can be granted.
 */
export function grantProblem(path: string, write: boolean): string | undefined {
  const depth = path.split('/').filter((p) => p.length > 0).length;
  if (depth === 0) return 'all of / cannot be granted: only a folder or file in it';
  return write && depth === 1 ? `writing in all of ${path} cannot be granted: only in a folder or file inside it` : undefined;
}

/** The plugin's file grants that hold at `now`, as mounts: one per path, read-write if any grant of it is. */
export function viewGrants(authority: Pick<PluginAuthority, 'grants'>, now: Date, transient: readonly ViewGrant[] = []): ViewGrant[] {
  const byPath = new Map<string, boolean>();
  const add = (path: string, write: boolean) => byPath.set(path, (byPath.get(path) ?? false) || write);
  for (const g of authority.grants.files) if (holds(g, now)) add(g.folder, g.permission === 'filesystem_write');
  for (const g of transient) add(g.path, g.write);
  return [...byPath].map(([path, w]) => ({ path, write: w })).sort((a, b) => a.path.localeCompare(b.path));
}

export function askOf(authority: Pick<PluginAuthority, 'holds'>): ViewAsk {
  const write = authority.holds('filesystem_write');
  return { read: write || authority.holds('filesystem_read'), write };
}
