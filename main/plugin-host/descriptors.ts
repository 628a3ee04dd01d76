import { closeSync, readFileSync, readdirSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;
/** The channel to main (see core/plugins/host-launcher): the one descriptor this process is meant to inherit. */
const CHANNEL_FD = 3;

/**
 * Closes the file descriptors this process inherited beyond stdio, its channel to main and those in
 * `keep`. Whatever
 * started main may have left some open without close-on-exec (a pipe to a supervisor, a terminal),
 * and a child inherits those whatever its sandbox's view: they would be doors out of it. Node opens
 * all of its own with close-on-exec, so an inheritable descriptor above the channel came from outside.
 */
export function closeInheritedDescriptors(keep: readonly number[] = []): number[] {
  const closed: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fdinfo');
  } catch {
    return closed; // no /proc (not Linux): nothing to look at
  }
  for (const name of fds) {
    const fd = Number(name);
    if (!(fd > CHANNEL_FD) || keep.includes(fd)) continue;
    try {
      const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
      if ((flags & O_CLOEXEC) === 0) {
        closeSync(fd);
        closed.push(fd);
      }
    } catch {
      // gone meanwhile (the directory listing's own descriptor): nothing to close
    }
  }
  return closed;
}
