import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileGrant } from '../grants/grant-types';
import { HOST_TARGET, type Logger } from '../log/logger';
import { nativeLibraryPath, readManifest, type Manifest } from '../manifest/read';
import type { NetworkGrant } from '../policy/engine';
import { resolveWireName, sanitizedPluginId } from '../wire';
import { resolveAuthority, type PluginAuthority } from './authority';
import { fileDigest } from './package';
import type { PluginRecord, PluginRegistry } from './registry';

/** An installed plugin folder as the catalogue read it. */
export interface CatalogueEntry {
  id: string;
  dir: string;
  manifest: Manifest | undefined;
  /** Its native library for this machine, when the manifest names one. */
  library: string | undefined;
  /** Why the plugin cannot run at all (bad manifest, no library for this machine…). */
  problem: string | undefined;
}

/** The grants and the local network toggle, as the store keeps them (read only here). */
export interface GrantSource {
  list(pluginId: string): NetworkGrant[];
  listFiles(pluginId: string): FileGrant[];
  localNetwork(pluginId: string): boolean;
  onChange(listener: () => void): void;
}

export interface CatalogueOptions {
  pluginsDir: string;
  registry: PluginRegistry;
  grants: GrantSource;
  logger: Logger;
}

/**
 * What is installed: every plugin folder with its manifest, its record (approvals, toggles, the
 * library the user approved), and the authority resolved from them and the user's grants. Runs
 * nothing; the lifecycle does. Every change to a record goes through here, so the authority it
 * hands out is never stale.
 */
export class PluginCatalogue {
  private readonly entries = new Map<string, CatalogueEntry>();
  private readonly authorities = new Map<string, PluginAuthority>();
  private readonly resolvedListeners: Array<(pluginId: string) => void> = [];

  constructor(private readonly opts: CatalogueOptions) {
    if (opts.registry.loadProblem) opts.logger.log('error', HOST_TARGET, opts.registry.loadProblem);
    // A grant given, narrowed or revoked anywhere (a prompt, a panel, the command line) holds at once.
    opts.grants.onChange(() => {
      for (const id of this.entries.keys()) this.resolve(id);
    });
  }

  get pluginsDir(): string {
    return this.opts.pluginsDir;
  }

  /** The plugin folders under `plugins/` (a folder without manifest.json is data an uninstall kept). */
  folders(): Array<{ dir: string; name: string }> {
    if (!existsSync(this.opts.pluginsDir)) return [];
    const out: Array<{ dir: string; name: string }> = [];
    for (const folder of readdirSync(this.opts.pluginsDir, { withFileTypes: true })) {
      if (!folder.isDirectory() || folder.name.startsWith('.')) continue;
      const dir = join(this.opts.pluginsDir, folder.name);
      if (existsSync(join(dir, 'manifest.json'))) out.push({ dir, name: folder.name });
      else this.opts.logger.log('info', HOST_TARGET, `${dir} has no manifest.json (data kept from an uninstalled plugin?); skipped`);
    }
    return out;
  }

  /**
   * (Re)reads one plugin folder. A bad manifest becomes an entry in error under `fallbackId`; a
   * plugin whose wire names would collide with another's is ignored (undefined). A plugin seen for
   * the first time gets a record, with the library found now as the one the user approves.
   */
  read(dir: string, fallbackId: string, installSource: string): CatalogueEntry | undefined {
    const read = readManifest(dir);
    if (!read.ok) {
      const problem = `invalid manifest: ${read.errors.join('; ')}`;
      this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir}: ${problem}`);
      return this.set({ id: fallbackId, dir, manifest: undefined, library: undefined, problem });
    }
    const manifest = read.manifest;
    const clash = this.wireClash(manifest.id);
    if (clash) {
      this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir} ignored: ${clash}`);
      return undefined;
    }
    const library = nativeLibraryPath(dir, manifest);
    if (!this.opts.registry.get(manifest.id)) {
      const now = this.opts.registry.stamp();
      const librarySha256 = library.ok && existsSync(library.path) ? fileDigest(library.path) : undefined;
      this.opts.registry.put({ id: manifest.id, version: manifest.version, enabled: true, installDate: now, updateDate: null, installSource, approved: [], restrictedEnabled: [], librarySha256 });
    }
    if (!library.ok) this.opts.logger.log('error', manifest.id, library.error);
    return this.set({ id: manifest.id, dir, manifest, library: library.ok ? library.path : undefined, problem: library.ok ? undefined : library.error });
  }

  /** Forgets a plugin's folder (its record stays until `removeRecord`). */
  drop(pluginId: string): void {
    this.entries.delete(pluginId);
    this.authorities.delete(pluginId);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  entry(pluginId: string): CatalogueEntry | undefined {
    return this.entries.get(pluginId);
  }

  manifestOf(pluginId: string): Manifest | undefined {
    return this.entries.get(pluginId)?.manifest;
  }

  dirOf(pluginId: string): string | undefined {
    return this.entries.get(pluginId)?.dir;
  }

  /** What a plugin may do now; undefined when it is not installed or its manifest is invalid. */
  authority(pluginId: string): PluginAuthority | undefined {
    return this.authorities.get(pluginId);
  }

  /** The installed plugin and command a wire name (`plugin_<id>_<command>`) names. */
  resolveWire(wire: string): { pluginId: string; command: string } | undefined {
    return resolveWireName(wire, this.entries.keys());
  }

  /** Another installed plugin whose wire-name prefix is the same (`a.b`, `a-b` and `a_b` collide). */
  wireClash(pluginId: string): string | undefined {
    const mine = sanitizedPluginId(pluginId);
    for (const id of this.entries.keys()) {
      if (id !== pluginId && sanitizedPluginId(id) === mine) return `its wire names (plugin_${mine}_…) would collide with those of installed plugin ${id}`;
    }
    return undefined;
  }

  record(pluginId: string): PluginRecord | undefined {
    return this.opts.registry.get(pluginId);
  }

  /** Creates or replaces a record (an install); its plugin's authority follows. */
  putRecord(record: PluginRecord): void {
    this.opts.registry.put(record);
    this.resolve(record.id);
  }

  /** Changes a record (approvals, toggles, enabled); its plugin's authority follows. */
  updateRecord(pluginId: string, change: Partial<Omit<PluginRecord, 'id'>>): PluginRecord {
    const record = this.opts.registry.update(pluginId, change);
    this.resolve(pluginId);
    return record;
  }

  removeRecord(pluginId: string): void {
    this.opts.registry.remove(pluginId);
    this.resolve(pluginId);
  }

  stamp(): string {
    return this.opts.registry.stamp();
  }

  private set(entry: CatalogueEntry): CatalogueEntry {
    this.entries.set(entry.id, entry);
    this.resolve(entry.id);
    return entry;
  }

  /** Tells `listener` each time a plugin's authority was resolved again (its record or a grant changed). */
  onResolved(listener: (pluginId: string) => void): void {
    this.resolvedListeners.push(listener);
  }

  private resolve(pluginId: string): void {
    const manifest = this.entries.get(pluginId)?.manifest;
    if (!manifest) {
      this.authorities.delete(pluginId);
      return;
    }
    const grants = this.opts.grants;
    this.authorities.set(
      pluginId,
      resolveAuthority({
        manifest,
        record: this.opts.registry.get(pluginId),
        grants: { network: grants.list(pluginId), files: grants.listFiles(pluginId) },
        localNetwork: grants.localNetwork(pluginId),
      }),
    );
    for (const listener of this.resolvedListeners) listener(pluginId);
  }
}
