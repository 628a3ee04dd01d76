import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { displayFields } from '../display-text';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type Logger } from '../log/logger';
import { nativeLibraryPath, readManifest } from '../manifest/read';
import { pendingApproval, permissionStates, type PermissionState } from './approvals';
import type { PluginCatalogue } from './catalogue';
import type { PluginSummary } from './summary-types';
import type { Approval, InstallOptions, InstallPreview, UpgradeDiff } from './install-types';
import { describePermission } from '../manifest/permissions';
import { fileDigest, stagePackage } from './package';

export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(
    message: string,
    /** Permissions the install waits on, when that is why it stopped. */
    readonly needsApproval: PermissionState[] = [],
  ) {
    super(message);
  }
}

/**
 * What the installer needs of the plugins it installs over: what is installed (and the records it
 * writes), stopping one before its folder changes, and running what it put in place.
 */
export interface InstallTarget {
  readonly catalogue: Pick<PluginCatalogue, 'pluginsDir' | 'record' | 'putRecord' | 'removeRecord' | 'stamp' | 'dirOf' | 'manifestOf' | 'wireClash'>;
  forget(pluginId: string): Promise<void>;
  load(dir: string, fallbackId: string, installSource?: string): string;
  startIfReady(pluginId: string): Promise<void>;
  get(pluginId: string): PluginSummary | undefined;
}

/**
 * Installs plugins from a folder or an `.hfpkg`, with install-time approval (contract §2.5):
 * Transparent permissions are granted, Standard and Sensitive ones need the user's approval,
 * Restricted ones stay off until turned on by hand. An upgrade asks only for what is new.
 */
export class Installer {
  constructor(
    private readonly plugins: InstallTarget,
    private readonly grants: GrantStore,
    private readonly stagingRoot: string,
    private readonly logger: Logger,
  ) {}

  /** Unpacks and checks a plugin without installing it. */
  preview(source: string, opts: InstallOptions = {}): InstallPreview {
    const staging = this.stage();
    try {
      const { preview } = this.check(source, staging, opts.sha256);
      // The approval screen shows what the package says of itself: nothing in it may hide or reorder text.
      const { name, description, author, version } = preview.manifest;
      return { ...preview, manifest: { ...preview.manifest, ...displayFields({ name, description, author, version }) } };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async install(source: string, approval: Approval, opts: InstallOptions = {}): Promise<PluginSummary> {
    const staging = this.stage();
    try {
      const { preview } = this.check(source, staging, opts.sha256);
      const { manifest } = preview;
      if (preview.upgrade && !opts.upgrade) {
        const u = preview.upgrade;
        throw new InstallError(
          `${manifest.id} ${u.fromVersion} is installed, and this package (${u.toVersion}) would replace it, keeping its data, approvals and grants: ` +
            `review what changes (${describeUpgrade(u)}) and confirm the upgrade (haloforge install ${source} --upgrade, or Upgrade in the Plugins panel)`,
        );
      }
      const pending = pendingApproval(preview.permissions);
      const approved = approval === 'all' ? pending.map((p) => p.key) : approval === 'none' ? [] : approval;
      const missing = pending.filter((p) => !approved.includes(p.key));
      if (missing.length > 0 && !opts.leaveWaiting) {
        throw new InstallError(`plugin ${manifest.id} ${manifest.version} needs your approval of: ${missing.map((p) => `${p.key} (${p.tier}: ${p.description})`).join('; ')}`, missing);
      }
      const previous = this.plugins.catalogue.record(manifest.id);
      const keys = new Set(preview.permissions.map((p) => p.key));
      const dir = this.plugins.catalogue.dirOf(manifest.id) ?? join(this.plugins.catalogue.pluginsDir, manifest.id);
      await this.plugins.forget(manifest.id);
      try {
        this.replaceFolder(dir, staging);
      } catch (e) {
        // The old version stays where it was: bring it back rather than leave the plugin gone.
        if (previous && existsSync(join(dir, 'manifest.json'))) {
          this.plugins.load(dir, manifest.id, previous.installSource);
          await this.plugins.startIfReady(manifest.id);
        }
        throw new InstallError(`could not put ${manifest.id} ${manifest.version} in place: ${(e as Error).message}`);
      }
      const now = this.plugins.catalogue.stamp();
      this.plugins.catalogue.putRecord({
        id: manifest.id,
        version: manifest.version,
        enabled: previous?.enabled ?? true,
        installDate: previous?.installDate ?? now,
        updateDate: previous ? now : null,
        installSource: preview.source,
        approved: [...new Set([...(previous?.approved ?? []).filter((k) => keys.has(k)), ...approved.filter((k) => keys.has(k))])],
        restrictedEnabled: (previous?.restrictedEnabled ?? []).filter((k) => keys.has(k)),
        librarySha256: preview.librarySha256,
      });
      this.plugins.load(dir, manifest.id, preview.source);
      this.logger.log('info', HOST_TARGET, `installed plugin ${manifest.id} ${manifest.version}${preview.upgrade ? ` over ${preview.upgrade.fromVersion}` : ''} from ${preview.source}`);
      await this.plugins.startIfReady(manifest.id);
      return this.plugins.get(manifest.id) as PluginSummary;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Removes a plugin, its approvals and grants; its data folder only when asked. */
  async uninstall(pluginId: string, opts: { deleteData: boolean }): Promise<void> {
    // Any folder the catalogue lists can go, a plugin whose manifest no longer reads included (it
    // may have no record: its folder is all there is to remove).
    const dir = this.plugins.catalogue.dirOf(pluginId);
    if (!dir) throw new InstallError(`no plugin ${pluginId} is installed`);
    await this.plugins.forget(pluginId);
    if (opts.deleteData) rmSync(dir, { recursive: true, force: true });
    else for (const name of readdirSync(dir)) if (name !== 'data') rmSync(join(dir, name), { recursive: true, force: true });
    this.grants.forgetPlugin(pluginId);
    this.plugins.catalogue.removeRecord(pluginId);
    this.logger.log('info', HOST_TARGET, `uninstalled plugin ${pluginId}${opts.deleteData ? ' and its data' : ' (its data folder was kept)'}`);
  }

  private stage(): string {
    mkdirSync(this.stagingRoot, { recursive: true });
    return join(this.stagingRoot, randomUUID());
  }

  private check(source: string, staging: string, givenDigest: string | undefined): { preview: InstallPreview } {
    const note = stagePackage(source, staging, givenDigest);
    const read = readManifest(staging);
    if (!read.ok) throw new InstallError(`${source} has an invalid manifest:\n  ${read.errors.join('\n  ')}`);
    const manifest = read.manifest;
    const library = nativeLibraryPath(staging, manifest);
    if (!library.ok) throw new InstallError(library.error);
    if (!existsSync(library.path)) throw new InstallError(`${source} does not contain ${manifest.entry?.native?.linux_x64 ?? 'its native library'}, which its manifest names`);
    const clash = this.plugins.catalogue.wireClash(manifest.id);
    if (clash) throw new InstallError(`plugin ${manifest.id} cannot be installed: ${clash}`);
    const previous = this.plugins.catalogue.record(manifest.id);
    const librarySha256 = fileDigest(library.path);
    const permissions = permissionStates(manifest, previous);
    const installed = previous && this.plugins.catalogue.dirOf(manifest.id) ? this.plugins.catalogue.manifestOf(manifest.id) : undefined;
    let upgrade: UpgradeDiff | null = null;
    if (previous && installed) {
      const before = new Set(installed.permissions.map((p) => describePermission(p).key));
      const after = new Set(permissions.map((p) => p.key));
      upgrade = {
        fromVersion: previous.version,
        toVersion: manifest.version,
        fromAuthor: installed.author,
        toAuthor: manifest.author,
        fromLibrarySha256: previous.librarySha256 ?? null,
        toLibrarySha256: librarySha256,
        added: [...after].filter((k) => !before.has(k)),
        removed: [...before].filter((k) => !after.has(k)),
      };
    }
    return { preview: { manifest, source: note === 'folder' ? `folder ${source}` : note, permissions, librarySha256, upgrade } };
  }

  /**
   * Puts the staged plugin in place; an existing plugin's data folder moves along with it. On any
   * failure everything goes back where it was.
   */
  private replaceFolder(dir: string, staging: string): void {
    const data = join(dir, 'data');
    const stagedData = join(staging, 'data');
    const movedData = existsSync(data);
    if (movedData) renameSync(data, stagedData);
    try {
      if (existsSync(dir)) {
        const old = `${staging}.old`;
        renameSync(dir, old);
        try {
          renameSync(staging, dir);
        } catch (e) {
          renameSync(old, dir);
          throw e;
        }
        rmSync(old, { recursive: true, force: true });
      } else {
        mkdirSync(this.plugins.catalogue.pluginsDir, { recursive: true });
        renameSync(staging, dir);
      }
    } catch (e) {
      if (movedData && existsSync(stagedData)) renameSync(stagedData, data);
      throw e;
    }
  }

}

/** An upgrade in one line: versions, author, library and permissions that change. */
export function describeUpgrade(u: UpgradeDiff): string {
  const parts = [`version ${u.fromVersion} → ${u.toVersion}`];
  if (u.fromAuthor !== u.toAuthor) parts.push(`author ${JSON.stringify(u.fromAuthor)} → ${JSON.stringify(u.toAuthor)}`);
  parts.push(u.fromLibrarySha256 === u.toLibrarySha256 ? 'the same native library' : `native library sha256 ${u.fromLibrarySha256?.slice(0, 12) ?? 'unknown'}… → ${u.toLibrarySha256.slice(0, 12)}…`);
  if (u.added.length) parts.push(`new permissions: ${u.added.join(', ')}`);
  if (u.removed.length) parts.push(`permissions dropped: ${u.removed.join(', ')}`);
  return parts.join('; ');
}
