import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Who holds the data folder: an app (Electron or the web host) for its lifetime, or one command of the command line. */
export interface LockHolder {
  pid: number;
  kind: 'app' | 'cli';
  /** What it is doing, e.g. "haloforge install ./x" or "web host". */
  what: string;
  since: string;
}

/** The data folder is held by someone else; `message` says by whom and what to do. */
export class DataFolderBusy extends Error {
  override readonly name = 'DataFolderBusy';
  constructor(
    readonly holder: LockHolder,
    message: string,
  ) {
    super(message);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(h: LockHolder): string {
  return h.kind === 'app' ? `HaloForge Host (${h.what}, pid ${h.pid}, since ${h.since})` : `the command line (pid ${h.pid}: ${h.what}, since ${h.since})`;
}

/**
 * One owner of the data folder at a time (design §9): while an app runs it owns plugins, approvals,
 * grants and settings, and the command line talks to it; while a command runs without an app, it
 * holds the folder and an app does not start. The lock is a file created exclusively; one left by
 * a process that died is taken over.
 */
export class DataLock {
  private constructor(
    private readonly path: string,
    readonly holder: LockHolder,
  ) {}

  /** Takes the data folder for `holder`, or throws DataFolderBusy naming who has it. */
  static acquire(home: string, holder: Omit<LockHolder, 'pid' | 'since'>): DataLock {
    const path = join(home, '.lock');
    // A first run on a fresh machine: the data folder comes into being here, the user's own.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const mine: LockHolder = { ...holder, pid: process.pid, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${JSON.stringify(mine)}\n`);
        } finally {
          closeSync(fd);
        }
        return new DataLock(path, mine);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const other = DataLock.holderOf(path);
      if (other && alive(other.pid)) {
        const advice = holder.kind === 'app' ? 'wait for it to end, then start HaloForge Host again' : other.kind === 'app' ? 'its control socket does not answer yet; try again in a moment' : 'try again when it has ended';
        throw new DataFolderBusy(other, `the data folder ${home} is in use by ${describe(other)}: ${advice}`);
      }
      // Left behind by a process that is gone (or unreadable): take it over.
      rmSync(path, { force: true });
    }
    throw new Error(`cannot take the data folder ${home}: its lock file keeps coming back`);
  }

  private static holderOf(path: string): LockHolder | undefined {
    try {
      const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
      return typeof h.pid === 'number' && (h.kind === 'app' || h.kind === 'cli') && typeof h.what === 'string' && typeof h.since === 'string' ? (h as LockHolder) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Gives the data folder up (only if the lock is still this process's). */
  release(): void {
    if (DataLock.holderOf(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
