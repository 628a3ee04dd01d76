import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import type { NetworkGrant } from '../policy/engine';

/** A standing answer for a plugin's `filesystem_read`/`filesystem_write`: a folder and all below it. */
export interface FileGrant {
  id: string;
  pluginId: string;
  permission: 'filesystem_read' | 'filesystem_write';
  folder: string;
  createdAt: string;
  via: string;
}

/** A standing "yes" for a program a plugin runs (`ctx.process()`) to use the network. */
export interface ProgramGrant {
  id: string;
  pluginId: string;
  permission: 'program_network';
  /** The program's name, as the plugin runs it (`git`). */
  program: string;
  createdAt: string;
  via: string;
}

export type Grant = NetworkGrant | FileGrant | ProgramGrant;

interface GrantsFile {
  version: 1;
  grants: NetworkGrant[];
  /** Folders the user allowed always (added after the first release of this file, so optional). */
  files?: FileGrant[];
  /** Programs the user let use the network (added later still, so optional). */
  programs?: ProgramGrant[];
  /** Plugins whose user turned on local network access (loopback and private addresses). */
  localNetwork: string[];
}

function isGrant(v: unknown): v is NetworkGrant {
  const g = v as Partial<NetworkGrant> | null;
  return (
    typeof g === 'object' && g !== null && typeof g.id === 'string' && typeof g.pluginId === 'string' && g.permission === 'network_http' &&
    typeof g.host === 'string' && Number.isInteger(g.port) && typeof g.createdAt === 'string' && typeof g.via === 'string'
  );
}

function isFileGrant(v: unknown): v is FileGrant {
  const g = v as Partial<FileGrant> | null;
  return (
    typeof g === 'object' && g !== null && typeof g.id === 'string' && typeof g.pluginId === 'string' &&
    (g.permission === 'filesystem_read' || g.permission === 'filesystem_write') && typeof g.folder === 'string' && g.folder.startsWith('/') &&
    typeof g.createdAt === 'string' && typeof g.via === 'string'
  );
}

function isProgramGrant(v: unknown): v is ProgramGrant {
  const g = v as Partial<ProgramGrant> | null;
  return (
    typeof g === 'object' && g !== null && typeof g.id === 'string' && typeof g.pluginId === 'string' && g.permission === 'program_network' &&
    typeof g.program === 'string' && typeof g.createdAt === 'string' && typeof g.via === 'string'
  );
}

function parse(text: string): GrantsFile {
  const data = JSON.parse(text) as Partial<GrantsFile>;
  if (data.version !== 1 || !Array.isArray(data.grants) || !Array.isArray(data.localNetwork)) throw new Error('unexpected structure');
  const bad = data.grants.findIndex((g) => !isGrant(g));
  if (bad !== -1) throw new Error(`grant #${bad} is malformed`);
  if (!data.localNetwork.every((id) => typeof id === 'string')) throw new Error('localNetwork must list plugin ids');
  const files = data.files ?? [];
  if (!Array.isArray(files) || !files.every(isFileGrant)) throw new Error('a folder grant is malformed');
  const programs = data.programs ?? [];
  if (!Array.isArray(programs) || !programs.every(isProgramGrant)) throw new Error('a program grant is malformed');
  return { version: 1, grants: data.grants, files, programs, localNetwork: data.localNetwork };
}

/**
 * The user's standing permission answers, in `grants.json` of the data folder. Every change is
 * written atomically before it takes effect; a file that cannot be read is moved aside and
 * reported, never read as "allow".
 */
export class GrantStore {
  private data: GrantsFile = { version: 1, grants: [], localNetwork: [] };
  private readonly listeners: Array<() => void> = [];
  /** Why the stored grants could not be loaded, if they could not. */
  readonly loadProblem: string | undefined;

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    // A crash between writing and renaming leaves a temporary file: the old grants.json is still
    // the truth, and the half-done change is dropped.
    if (existsSync(dirname(path))) {
      for (const f of readdirSync(dirname(path))) if (f.startsWith(`${basename(path)}.`) && f.endsWith('.tmp')) rmSync(join(dirname(path), f), { force: true });
    }
    if (!existsSync(path)) return;
    try {
      this.data = parse(readFileSync(path, 'utf8'));
    } catch (e) {
      const aside = `${path}.corrupt-${this.now().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(path, aside);
      this.loadProblem = `${path} could not be read (${(e as Error).message}); it was moved to ${aside} and every grant starts revoked`;
    }
  }

  list(pluginId?: string): NetworkGrant[] {
    return this.data.grants.filter((g) => pluginId === undefined || g.pluginId === pluginId);
  }

  add(grant: Omit<NetworkGrant, 'id' | 'createdAt'>): NetworkGrant {
    const existing = this.data.grants.find((g) => g.pluginId === grant.pluginId && g.host === grant.host && g.port === grant.port && g.permission === grant.permission);
    if (existing) return existing;
    const full: NetworkGrant = { ...grant, id: randomUUID(), createdAt: this.now().toISOString() };
    this.save({ ...this.data, grants: [...this.data.grants, full] });
    return full;
  }

  listFiles(pluginId?: string): FileGrant[] {
    return (this.data.files ?? []).filter((g) => pluginId === undefined || g.pluginId === pluginId);
  }

  listPrograms(pluginId?: string): ProgramGrant[] {
    return (this.data.programs ?? []).filter((g) => pluginId === undefined || g.pluginId === pluginId);
  }

  /** Every standing answer (hosts, folders, programs' network), for panels and the command line. */
  all(pluginId?: string): Grant[] {
    return [...this.list(pluginId), ...this.listFiles(pluginId), ...this.listPrograms(pluginId)];
  }

  addProgram(grant: Omit<ProgramGrant, 'id' | 'createdAt'>): ProgramGrant {
    const existing = this.listPrograms(grant.pluginId).find((g) => g.program === grant.program);
    if (existing) return existing;
    const full: ProgramGrant = { ...grant, id: randomUUID(), createdAt: this.now().toISOString() };
    this.save({ ...this.data, programs: [...this.listPrograms(), full] });
    return full;
  }

  addFile(grant: Omit<FileGrant, 'id' | 'createdAt'>): FileGrant {
    const existing = this.listFiles(grant.pluginId).find((g) => g.folder === grant.folder && g.permission === grant.permission);
    if (existing) return existing;
    const full: FileGrant = { ...grant, id: randomUUID(), createdAt: this.now().toISOString() };
    this.save({ ...this.data, files: [...this.listFiles(), full] });
    return full;
  }

  /** Revokes one grant; it holds from the next request on. */
  revoke(grantId: string): Grant | undefined {
    const grant = this.all().find((g) => g.id === grantId);
    if (grant) {
      const others = <G extends Grant>(list: G[]) => list.filter((g) => g.id !== grantId);
      this.save({ ...this.data, grants: others(this.data.grants), files: others(this.listFiles()), programs: others(this.listPrograms()) });
    }
    return grant;
  }

  localNetwork(pluginId: string): boolean {
    return this.data.localNetwork.includes(pluginId);
  }

  setLocalNetwork(pluginId: string, on: boolean): void {
    if (this.localNetwork(pluginId) === on) return;
    const others = this.data.localNetwork.filter((id) => id !== pluginId);
    this.save({ ...this.data, localNetwork: on ? [...others, pluginId] : others });
  }

  /** Tells `listener` after every change (so what a revoked grant allowed can be stopped at once). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  // The file is written first and memory changed only when that worked, so a failed write
  // neither loses nor invents a grant.
  private save(next: GrantsFile): void {
    writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.data = next;
    for (const listener of this.listeners) listener();
  }
}
