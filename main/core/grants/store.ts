import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readStateFile, writeFileAtomic } from '../atomic-file';
import type { NetworkGrant } from '../policy/engine';
import type { Denial, FileGrant, Grant, Narrowing } from './grant-types';
import { DAY_MS, describeLasting, holds, nextExpiry, type GrantTerms, type Lasting } from './terms';

/** What a caller gives for a new grant; the store adds its id, times and terms. */
type NewGrant<G extends Grant> = G extends Grant ? Omit<G, keyof GrantTerms> & { pluginId: string; via: string; lasts?: Lasting } : never;

/**
 * One change to what a plugin may do, as the store tells it (the audit records it): who made it
 * (`panel`, `command line`, or `host` when a grant ran out), the grant as it is now, and before.
 */
export type GrantChange =
  | { change: 'grant-given' | 'grant-revoked' | 'grant-expired'; grant: Grant; by: string }
  | { change: 'grant-narrowed'; grant: Grant; before: Grant; by: string }
  | { change: 'local-network-on' | 'local-network-off'; pluginId: string; by: string };

interface GrantsFile {
  version: 2;
  grants: Grant[];
  /** Plugins whose user turned on local network access (loopback and private addresses). */
  localNetwork: string[];
  /** On reading only: how many grants of a kind that no longer exists were left out. */
  droppedProgramGrants?: number;
}

const isText = (v: unknown): v is string => typeof v === 'string';

function validTerms(g: Partial<GrantTerms>): boolean {
  return isText(g.id) && isText(g.pluginId) && isText(g.createdAt) && isText(g.via) && (g.lasts === 'day' || g.lasts === 'always') && (g.expiresAt === null || isText(g.expiresAt)) && (g.lastUsedAt === null || isText(g.lastUsedAt));
}

function isGrant(v: unknown): v is Grant {
  if (typeof v !== 'object' || v === null || !validTerms(v)) return false;
  const g = v as { permission?: unknown; scheme?: unknown; host?: unknown; port?: unknown; folder?: unknown; program?: unknown };
  const origin = () => (g.scheme === 'http' || g.scheme === 'https') && isText(g.host) && Number.isInteger(g.port);
  const folder = () => isText(g.folder) && g.folder.startsWith('/');
  switch (g.permission) {
    case 'network_http':
      return origin();
    case 'filesystem_read':
    case 'filesystem_write':
      return folder();
    case 'deny': {
      const denied = (v as { denied?: unknown }).denied;
      return denied === 'network_http' ? origin() : (denied === 'filesystem_read' || denied === 'filesystem_write') && folder();
    }
    default:
      return false;
  }
}

/**
 * Grants as the first versions of this file kept them (hosts in `grants`, folders in `files`,
 * programs in `programs`, all of them "always", no scheme): read once and written back in the
 * current form. A host grant without a scheme gets the one its port implies.
 */
function fromVersion1(data: { grants?: unknown; files?: unknown; programs?: unknown }): unknown[] {
  const lists = [data.grants, data.files ?? [], data.programs ?? []];
  if (!lists.every(Array.isArray)) throw new Error('unexpected structure');
  return (lists as unknown[][]).flat().map((g) => {
    const old = g as Partial<NetworkGrant>;
    const scheme = old.permission === 'network_http' && old.scheme === undefined ? { scheme: old.port === 80 ? 'http' : 'https' } : {};
    return { lasts: 'always', expiresAt: null, lastUsedAt: null, ...(g as object), ...scheme };
  });
}

/**
 * "This program may use the network" grants of earlier versions: programs now use their plugin's
 * own network, decided destination by destination (design §8.1), so there is nothing to keep.
 */
function isProgramNetworkGrant(g: unknown): boolean {
  return typeof g === 'object' && g !== null && (g as { permission?: unknown }).permission === 'program_network';
}

/** Reads a grants.json of any version (for reviewers' tools too); throws on anything malformed. */
export function parseGrantsFile(text: string): GrantsFile {
  const data = JSON.parse(text) as { version?: unknown; grants?: unknown; files?: unknown; programs?: unknown; localNetwork?: unknown };
  const stored = data.version === 1 ? fromVersion1(data) : data.version === 2 && Array.isArray(data.grants) ? (data.grants as unknown[]) : undefined;
  if (!stored || !Array.isArray(data.localNetwork)) throw new Error('unexpected structure');
  const grants = stored.filter((g) => !isProgramNetworkGrant(g));
  const dropped = stored.length - grants.length;
  const bad = grants.findIndex((g) => !isGrant(g));
  if (bad !== -1) throw new Error(`grant #${bad} is malformed`);
  if (!data.localNetwork.every(isText)) throw new Error('localNetwork must list plugin ids');
  return { version: 2, grants: grants as Grant[], localNetwork: data.localNetwork, ...(dropped > 0 ? { droppedProgramGrants: dropped } : {}) };
}

/** Two grants cover the same thing (so a new answer replaces the old rather than adding a second). */
function sameScope(a: Grant, b: NewGrant<Grant>): boolean {
  if (a.pluginId !== b.pluginId || a.permission !== b.permission) return false;
  if (a.permission === 'deny' && b.permission === 'deny' && a.denied !== b.denied) return false;
  const of = (g: object) => g as { scheme?: string; host?: string; port?: number; folder?: string };
  const [x, y] = [of(a), of(b)];
  return x.folder !== undefined ? x.folder === y.folder : x.scheme === y.scheme && x.host === y.host && x.port === y.port;
}

/** Whether a denial covers a use: its origin, or a path at or below its folder (a denial of reading refuses changing too). */
function denies(d: Denial, use: { scheme: string; host: string; port: number } | { path: string; write: boolean }): boolean {
  if ('path' in use) {
    if (d.denied === 'network_http' || (d.denied === 'filesystem_write' && !use.write)) return false;
    return use.path === d.folder || use.path.startsWith(`${d.folder}/`);
  }
  return d.denied === 'network_http' && d.scheme === use.scheme && d.host === use.host && d.port === use.port;
}

/** Last-use times are written at most this often per grant; in between they live in memory. */
const LAST_USE_WRITE_MS = 60_000;

/**
 * The user's standing permission answers, in `grants.json` of the data folder: hosts
 * (`network_http`) and folders (`filesystem_*`), each for this session, a day
 * or always, with when it was given, how, and when it was last used. Every change is written
 * atomically before it takes effect (session grants live in memory only); a file that cannot be
 * read is moved aside and reported, never read as "allow". Expired grants no longer count.
 */
export class GrantStore {
  private data: GrantsFile = { version: 2, grants: [], localNetwork: [] };
  private session: Grant[] = [];
  private readonly listeners: Array<() => void> = [];
  private readonly changeListeners: Array<(c: GrantChange) => void> = [];
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly lastUseWritten = new Map<string, number>();
  /** Why the stored grants could not be loaded, if they could not. */
  readonly loadProblem: string | undefined;
  /** What was dropped from the stored grants as it no longer means anything, if anything was. */
  readonly droppedNote: string | undefined;

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    // A crash between writing and renaming leaves a temporary file: the old grants.json is still
    // the truth, and the half-done change is dropped.
    if (existsSync(dirname(path))) {
      for (const f of readdirSync(dirname(path))) if (f.startsWith(`${basename(path)}.`) && f.endsWith('.tmp')) rmSync(join(dirname(path), f), { force: true });
    }
    const read = readStateFile(path, parseGrantsFile, this.now(), 'every grant starts revoked');
    if (read.value) this.data = read.value;
    this.loadProblem = read.problem;
    const dropped = read.value?.droppedProgramGrants;
    if (dropped) {
      delete this.data.droppedProgramGrants;
      this.save(this.data);
      this.droppedNote = `${dropped} "program may use the network" grant${dropped === 1 ? ' was' : 's were'} dropped from ${path}: programs now use their plugin's own network, each destination decided and audited as the plugin's requests are`;
    }
  }

  /**
   * Drops grants whose time ran out (while the host ran, or while it was not running), telling the
   * change listeners of each, and waits for the next one to run out: the one timer by which a
   * lapsing grant leaves everything it allowed (the sandbox's view and egress tunnels follow the
   * change announcement). Call once listeners are set.
   */
  expireDue(): void {
    clearTimeout(this.expiryTimer);
    const now = this.now();
    this.drop([...this.data.grants, ...this.session].filter((g) => !holds(g, now)), 'grant-expired', 'host');
    const next = nextExpiry(this.all(), now);
    // Timers hold at most about 24.8 days; a later expiry is looked at again then.
    if (next) this.expiryTimer = setTimeout(() => this.expireDue(), Math.min(next.getTime() - now.getTime() + 50, 2 ** 31 - 1)).unref();
  }

  /** Stops waiting for grants to run out (the host is shutting down). */
  close(): void {
    clearTimeout(this.expiryTimer);
  }

  /** Tells `listener` of each change with who made it, once it is on disk. */
  onGrantChange(listener: (c: GrantChange) => void): void {
    this.changeListeners.push(listener);
  }

  private tell(c: GrantChange): void {
    for (const l of this.changeListeners) l(c);
  }

  /** The user's "Deny always" that covers a use by a plugin, if there is one. */
  denialOf(pluginId: string, use: { scheme: string; host: string; port: number } | { path: string; write: boolean }): Denial | undefined {
    return this.all(pluginId).find((g): g is Denial => g.permission === 'deny' && denies(g, use));
  }

  /** Every grant that still holds, of one plugin or all. */
  all(pluginId?: string): Grant[] {
    const now = this.now();
    return [...this.data.grants, ...this.session].filter((g) => (pluginId === undefined || g.pluginId === pluginId) && holds(g, now));
  }

  list(pluginId?: string): NetworkGrant[] {
    return this.all(pluginId).filter((g): g is NetworkGrant => g.permission === 'network_http');
  }

  listFiles(pluginId?: string): FileGrant[] {
    return this.all(pluginId).filter((g): g is FileGrant => g.permission === 'filesystem_read' || g.permission === 'filesystem_write');
  }

  add(grant: NewGrant<NetworkGrant>, by: string): NetworkGrant {
    return this.put(grant, by) as NetworkGrant;
  }

  addFile(grant: NewGrant<FileGrant>, by: string): FileGrant {
    return this.put(grant, by) as FileGrant;
  }

  /** Records the user's "Deny always" (it lasts until revoked). */
  addDenial(denial: NewGrant<Denial>, by: string): Denial {
    return this.put({ ...denial, lasts: 'always' }, by) as Denial;
  }

  /** Notes that a grant just decided something; written out now and then (see LAST_USE_WRITE_MS). */
  touch(grantId: string): void {
    const now = this.now();
    const grant = this.all().find((g) => g.id === grantId);
    if (!grant) return;
    grant.lastUsedAt = now.toISOString();
    if (grant.lasts === 'session' || now.getTime() - (this.lastUseWritten.get(grantId) ?? 0) < LAST_USE_WRITE_MS) return;
    this.lastUseWritten.set(grantId, now.getTime());
    this.write(this.data);
    this.changed();
  }

  /** Makes a grant narrower: one given always lasts 24 hours from now; a folder grant for writing becomes one for reading. */
  narrow(grantId: string, to: Narrowing, by: string): Grant | undefined {
    const grant = this.all().find((g) => g.id === grantId);
    if (!grant) return undefined;
    let narrowed: Grant;
    const at = this.now().toISOString();
    if (to === 'day') {
      if (grant.permission === 'deny') throw new Error(`grant ${grantId} is a "deny always", which lasts until it is revoked`);
      if (grant.lasts !== 'always') throw new Error(`grant ${grantId} lasts ${describeLasting(grant.lasts)} already`);
      narrowed = { ...grant, lasts: 'day', expiresAt: new Date(this.now().getTime() + DAY_MS).toISOString(), narrowed: { at, by, from: 'always' } };
    } else {
      if (grant.permission !== 'filesystem_write') throw new Error(`grant ${grantId} is not a folder grant for writing`);
      narrowed = { ...grant, permission: 'filesystem_read', narrowed: { at, by, from: 'reading and changing' } };
    }
    this.replace(grantId, narrowed);
    this.tell({ change: 'grant-narrowed', grant: narrowed, before: grant, by });
    this.expireDue();
    return narrowed;
  }

  /** Revokes one grant; it holds from the next request on. */
  revoke(grantId: string, by: string): Grant | undefined {
    const grant = this.all().find((g) => g.id === grantId) ?? [...this.data.grants, ...this.session].find((g) => g.id === grantId);
    if (grant) {
      this.replace(grantId, undefined);
      this.tell({ change: 'grant-revoked', grant, by });
    }
    return grant;
  }

  /** Revokes every grant and denial of one plugin that still holds, in one write; returns them. */
  revokeAll(pluginId: string, by: string): Grant[] {
    return this.drop(this.all(pluginId), 'grant-revoked', by);
  }

  /** Removes `gone` in one write (none when it is empty), then tells each as `change`; returns them. */
  private drop(gone: Grant[], change: 'grant-expired' | 'grant-revoked', by: string): Grant[] {
    if (gone.length === 0) return gone;
    const ids = new Set(gone.map((g) => g.id));
    this.session = this.session.filter((g) => !ids.has(g.id));
    this.save({ ...this.data, grants: this.data.grants.filter((g) => !ids.has(g.id)) });
    for (const grant of gone) this.tell({ change, grant, by });
    return gone;
  }

  /** Forgets every standing answer of a plugin (it was uninstalled): hosts, folders, programs, local network. */
  forgetPlugin(pluginId: string): void {
    this.session = this.session.filter((g) => g.pluginId !== pluginId);
    this.save({ version: 2, grants: this.data.grants.filter((g) => g.pluginId !== pluginId), localNetwork: this.data.localNetwork.filter((id) => id !== pluginId) });
  }

  localNetwork(pluginId: string): boolean {
    return this.data.localNetwork.includes(pluginId);
  }

  setLocalNetwork(pluginId: string, on: boolean, by: string): void {
    if (this.localNetwork(pluginId) === on) return;
    const others = this.data.localNetwork.filter((id) => id !== pluginId);
    this.save({ ...this.data, localNetwork: on ? [...others, pluginId] : others });
    this.tell({ change: on ? 'local-network-on' : 'local-network-off', pluginId, by });
  }

  /** Tells `listener` after every change (so what a revoked grant allowed can be stopped at once). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private put(grant: NewGrant<Grant>, by: string): Grant {
    const lasts = grant.lasts ?? 'always';
    const existing = this.all(grant.pluginId).find((g) => sameScope(g, grant));
    if (existing && existing.lasts === lasts) return existing;
    const now = this.now();
    const full = { ...grant, id: randomUUID(), createdAt: now.toISOString(), lasts, expiresAt: lasts === 'day' ? new Date(now.getTime() + DAY_MS).toISOString() : null, lastUsedAt: null } as Grant;
    // A new answer for the same thing replaces the old one, whatever either lasted.
    if (existing) this.replace(existing.id, undefined, false);
    if (lasts === 'session') {
      this.session.push(full);
      this.changed();
    } else {
      this.save({ ...this.data, grants: [...this.data.grants, full] });
    }
    this.tell({ change: 'grant-given', grant: full, by });
    if (full.expiresAt) this.expireDue();
    return full;
  }

  private replace(grantId: string, by: Grant | undefined, announce = true): void {
    const swap = (list: Grant[]) => list.flatMap((g) => (g.id === grantId ? (by ? [by] : []) : [g]));
    if (this.session.some((g) => g.id === grantId)) {
      this.session = swap(this.session);
      if (announce) this.changed();
    } else {
      this.save({ ...this.data, grants: swap(this.data.grants) }, announce);
    }
  }

  // The file is written first and memory changed only when that worked, so a failed write
  // neither loses nor invents a grant.
  private save(next: GrantsFile, announce = true): void {
    this.write(next);
    this.data = next;
    if (announce) this.changed();
  }

  private write(data: GrantsFile): void {
    writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
