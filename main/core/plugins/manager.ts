import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { nativeLibraryPath, readManifest, type Manifest } from '../manifest/read';
import { HOST_TARGET, type Logger } from '../log/logger';
import { pluginDataDir } from '../paths';
import { resolveWireName, wireName } from '../wire';
import type { BrokerReply, BrokerRequest } from '../broker/broker';
import type { Confinement } from './confinement';
import type { BridgeMessage, PluginMetadata } from './host-protocol';
import type { HostLauncher } from './launcher';
import { InvokeError, PluginProcess, type PluginState } from './plugin-process';

export interface PluginManagerOptions {
  pluginsDir: string;
  bridgePath: string;
  launcher: HostLauncher;
  logger: Logger;
  invokeTimeoutMs?: number;
  loadTimeoutMs?: number;
  /** How plugin hosts run, and whether an unconfined one may start at all. */
  confinement: Confinement;
  allowUnconfined: boolean;
  onHttp?: (request: BrokerRequest) => Promise<BrokerReply>;
  onChange?: (plugin: PluginSummary) => void;
  onNotify?: (pluginId: string, notification: Extract<BridgeMessage, { type: 'notify' }>['notification']) => void;
}

/** What panels and the command line see of a plugin. */
export interface PluginSummary {
  id: string;
  name: string;
  version: string;
  description: string;
  dir: string;
  state: PluginState;
  error: string | null;
  commands: string[];
  permissions: Manifest['permissions'];
  metadata: PluginMetadata | null;
  confinement: Confinement;
}

interface Entry {
  dir: string;
  manifest: Manifest | undefined;
  /** Why the plugin cannot even be started (bad manifest, no library for this machine). */
  problem: string | undefined;
  process: PluginProcess | undefined;
}

export const DEFAULT_INVOKE_TIMEOUT_MS = 60_000;
export const DEFAULT_LOAD_TIMEOUT_MS = 15_000;

/** Finds the plugins under `plugins/`, runs each in its own plugin host and routes invokes to them. */
export class PluginManager {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: PluginManagerOptions) {}

  /** Reads every `plugins/<folder>/manifest.json`; a bad one becomes a plugin in `error`. */
  discover(): void {
    if (!existsSync(this.opts.pluginsDir)) return;
    for (const folder of readdirSync(this.opts.pluginsDir, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      const dir = join(this.opts.pluginsDir, folder.name);
      const read = readManifest(dir);
      if (!read.ok) {
        const problem = `invalid manifest: ${read.errors.join('; ')}`;
        this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir}: ${problem}`);
        this.entries.set(folder.name, { dir, manifest: undefined, problem, process: undefined });
        continue;
      }
      const manifest = read.manifest;
      if (this.entries.has(manifest.id)) {
        this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir} repeats id ${manifest.id}; ignored`);
        continue;
      }
      const library = nativeLibraryPath(dir, manifest);
      const problem = !library.ok ? library.error : this.confinementProblem();
      if (problem) this.opts.logger.log('error', manifest.id, problem);
      this.entries.set(manifest.id, {
        dir,
        manifest,
        problem,
        process: library.ok && !problem ? this.makeProcess(manifest, dir, library.path) : undefined,
      });
    }
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.process?.start()));
  }

  list(): PluginSummary[] {
    return [...this.entries.entries()].map(([id, e]) => this.summary(id, e)).sort((a, b) => a.id.localeCompare(b.id));
  }

  get(pluginId: string): PluginSummary | undefined {
    const e = this.entries.get(pluginId);
    return e ? this.summary(pluginId, e) : undefined;
  }

  /** Invokes `command` of `pluginId` (the short name a panel gives). */
  invoke(pluginId: string, command: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    const entry = this.entries.get(pluginId);
    if (!entry) return Promise.reject(new InvokeError(`Not found: no plugin ${pluginId} is installed`));
    if (!entry.process) return Promise.reject(new InvokeError(`plugin ${pluginId} cannot run: ${entry.problem ?? 'unknown problem'}`));
    return entry.process.invoke(command, args, timeoutMs);
  }

  /** Invokes by wire name, as the SDK's `plugin_invoke` does (contract §3.1). */
  invokeWire(wire: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    const target = resolveWireName(wire, this.entries.keys());
    if (!target) return Promise.reject(new InvokeError(`Not found: no installed plugin answers to '${wire}'`));
    return this.invoke(target.pluginId, target.command, args, timeoutMs);
  }

  wireNameOf(pluginId: string, command: string): string {
    return wireName(pluginId, command);
  }

  async restart(pluginId: string): Promise<PluginSummary> {
    const entry = this.entries.get(pluginId);
    if (!entry?.process) throw new Error(`plugin ${pluginId} ${entry ? `cannot run: ${entry.problem ?? ''}` : 'is not installed'}`);
    await entry.process.restart();
    return this.summary(pluginId, entry);
  }

  memoryOf(pluginId: string): Promise<{ rss: number; heapUsed: number }> {
    const p = this.entries.get(pluginId)?.process;
    return p ? p.stats() : Promise.reject(new Error(`plugin ${pluginId} has no plugin host`));
  }

  pidOf(pluginId: string): number | undefined {
    return this.entries.get(pluginId)?.process?.pid;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.process?.stop()));
  }

  /** Where confinement is unavailable, plugins stay off unless the user allowed unconfined ones. */
  private confinementProblem(): string | undefined {
    const c = this.opts.confinement;
    if (c.state === 'confined' || this.opts.allowUnconfined) return undefined;
    return `network confinement: unavailable: ${c.reason}; the plugin stays off until you allow unconfined plugins ("allowUnconfined": true in settings.json)`;
  }

  /** The permissions the manifest declares, as the broker sees them. */
  networkProfile(pluginId: string): { name: string; permissions: Manifest['permissions'] } | undefined {
    const m = this.entries.get(pluginId)?.manifest;
    return m ? { name: m.name, permissions: m.permissions } : undefined;
  }

  private makeProcess(manifest: Manifest, dir: string, library: string): PluginProcess {
    const pluginId = manifest.id;
    const dataDir = pluginDataDir(dir);
    mkdirSync(dataDir, { recursive: true });
    return new PluginProcess({
      pluginId,
      library,
      dataDir,
      bridgePath: this.opts.bridgePath,
      network: manifest.permissions.some((p) => p.type === 'network_http' || p.type === 'network_http_domain'),
      launcher: this.opts.launcher,
      logger: this.opts.logger,
      loadTimeoutMs: this.opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      invokeTimeoutMs: this.opts.invokeTimeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS,
      onStateChange: () => {
        const summary = this.get(pluginId);
        if (summary) this.opts.onChange?.(summary);
      },
      onNotify: (m) => this.opts.onNotify?.(pluginId, m.notification),
      onHttp: this.opts.onHttp && ((req) => (this.opts.onHttp as NonNullable<PluginManagerOptions['onHttp']>)({ ...req, pluginId })),
    });
  }

  private summary(id: string, e: Entry): PluginSummary {
    const p = e.process;
    return {
      id,
      name: e.manifest?.name ?? id,
      version: e.manifest?.version ?? '',
      description: e.manifest?.description ?? '',
      dir: e.dir,
      state: p ? p.state : 'error',
      error: p ? (p.error ?? null) : (e.problem ?? null),
      commands: p?.commands ?? [],
      permissions: e.manifest?.permissions ?? [],
      metadata: p?.metadata ?? null,
      confinement: this.opts.confinement,
    };
  }
}
