/**
 * What a sandboxed process sees, and the bubblewrap arguments that give it exactly that. Pure: the
 * paths are decided elsewhere (./host-view for plugin hosts, ../processes for programs), so a
 * reviewer can read the whole mount table here and the tests can pin it.
 */
export interface SandboxView {
  /** Files and folders visible read-only, at the same path as outside. */
  readOnly: readonly string[];
  /** Like `readOnly`, but skipped when missing (optional runtime files such as /etc/localtime). */
  readOnlyIfPresent?: readonly string[];
  /** Folders visible read-write, at the same path as outside. */
  readWrite: readonly string[];
  /** Top-level links to recreate, such as `/lib -> usr/lib` on merged-/usr systems. */
  symlinks: ReadonlyArray<{ path: string; target: string }>;
  /** Shares the host's network; otherwise the process has only a loopback of its own. */
  network: boolean;
  /** The user and group id inside (the caller is mapped to them; never root). */
  uid: number;
  gid: number;
  /** Working directory inside the sandbox (default: `/`). */
  cwd?: string;
}

/** The unprivileged id a sandboxed process runs as; files of the caller appear owned by it. */
export const SANDBOX_ID = 1000;

/** Parents before children: a bind mounted later hides what was mounted below it before. */
function byDepth(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/**
 * bubblewrap's arguments, without the command. Every namespace is new (network too, unless
 * `network`), the process dies with its parent, runs in a session of its own (no terminal
 * injection) with no capabilities, and sees a private /tmp, its own /proc and a minimal /dev, then
 * only the paths named.
 */
export function bwrapArguments(view: SandboxView): string[] {
  const args = ['--unshare-all'];
  if (view.network) args.push('--share-net');
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--uid', String(view.uid), '--gid', String(view.gid));
  // The private /tmp comes first: a tmpfs mounted after a bind below /tmp would hide it.
  args.push('--tmpfs', '/tmp', '--proc', '/proc', '--dev', '/dev');
  for (const link of view.symlinks) args.push('--symlink', link.target, link.path);
  const readWrite = new Set(view.readWrite);
  for (const path of byDepth([...view.readOnly, ...(view.readOnlyIfPresent ?? []), ...view.readWrite])) {
    if (readWrite.has(path)) args.push('--bind', path, path);
    else if (view.readOnly.includes(path)) args.push('--ro-bind', path, path);
    else args.push('--ro-bind-try', path, path);
  }
  // The root bubblewrap builds is a tmpfs of its own: once the view is in place, nothing more may be
  // created in it (the private /tmp and the read-write binds stay writable).
  args.push('--remount-ro', '/');
  if (view.cwd) args.push('--chdir', view.cwd);
  return args;
}
