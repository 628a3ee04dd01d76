import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file';
import type { NetworkGrant } from '../policy/engine';

interface GrantsFile {
  version: 1;
  grants: NetworkGrant[];
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

function parse(text: string): GrantsFile {
  const data = JSON.parse(text) as Partial<GrantsFile>;
  if (data.version !== 1 || !Array.isArray(data.grants) || !Array.isArray(data.localNetwork)) throw new Error('unexpected structure');
  const bad = data.grants.findIndex((g) => !isGrant(g));
  if (bad !== -1) throw new Error(`grant #${bad} is malformed`);
  if (!data.localNetwork.every((id) => typeof id === 'string')) throw new Error('localNetwork must list plugin ids');
  return { version: 1, grants: data.grants, localNetwork: data.localNetwork };
}

/**
 * The user's standing permission answers, in `grants.json` of the data folder. Every change is
 * written atomically before it takes effect; a file that cannot be read is moved aside and
 * reported, never read as "allow".
 */
export class GrantStore {
  private data: GrantsFile = { version: 1, grants: [], localNetwork: [] };
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

  /** Revokes one grant; it holds from the next request on. */
  revoke(grantId: string): NetworkGrant | undefined {
    const grant = this.data.grants.find((g) => g.id === grantId);
    if (grant) this.save({ ...this.data, grants: this.data.grants.filter((g) => g.id !== grantId) });
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

  // The file is written first and memory changed only when that worked, so a failed write
  // neither loses nor invents a grant.
  private save(next: GrantsFile): void {
    writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.data = next;
  }
}
