import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Bridges } from '../bridges/bridges';
import { displayFields, displayText } from '../display-text';
import { realPath } from '../files/real-path';
import type { Timeouts } from '../timeouts';
import { HOST_TARGET, type Logger } from '../log/logger';
import { nativeLibraryPath, readManifest, type Manifest } from '../manifest/read';
import { pluginDataDir } from '../paths';
import type { RawJson } from '../json-bytes';
import { resolveWireName, sanitizedPluginId } from '../wire';
import { grantedPermissions, pendingApproval, permissionStates, type PermissionState } from './approvals';
import { fileDigest } from './package';
import type { SandboxGate } from '../sandbox/gate';
import type { SandboxStatus } from '../sandbox/proof';
import type { BridgeMessage, PluginMetadata } from './host-protocol';
import type { HostLauncher } from './launcher';
import { InvokeError, PluginProcess, type EgressSide, type HostCalls, type PluginState, type RestartPolicy } from './plugin-process';
import type { PluginRecord, PluginRegistry } from './registry';
import { readSettings, writeSettings } from './settings';
import { schemaDefaults, settingsProblems, type SettingsSchema } from './settings-schema';
import type { StepType } from '../workflows/step-types';
import { frameLabel, type FramedPlugin } from '../frontends/frame-server';
import { frontendOf, type Placement } from '../frontends/placements';

export interface PluginManagerOptions {
  pluginsDir: string;
  /** Where plugins' settings are kept (outside their folders, so upgrades keep them). */
  settingsDir: string;
  registry: PluginRegistry;
  /** The host bridges, one per compiler (core/bridges). */
  bridges: Bridges;
  launcher: HostLauncher;
  logger: Logger;
  timeouts: Timeouts;
  restartPolicy?: Partial<RestartPolicy>;
  /** Whether a plugin host may start, and whether its plugin may load once it has proved its walls. */
  gate: SandboxGate;
  /** What main does on a plugin's behalf (ctx.http(), ctx.fs(), ctx.process()); settings are the manager's own. */
  hostCalls?: (plugin: ServedPlugin) => Omit<HostCalls, 'settings'>;
  /** A plugin host said something its plugin's permissions cannot explain; it is being stopped. */
  onViolation?: (pluginId: string, reason: string) => void;
  /** A plugin host ended: whatever main runs for it goes too. */
  onHostGone?: (pluginId: string) => void;
  /** Main's side of the egress proxy (core/egress), bound per plugin. */
  egressFor?: (pluginId: string) => EgressSide;
  /** Whether the user turned on local network access for a plugin (kept with the grants). */
  localNetworkOf?: (pluginId: string) => boolean;
  onChange?: (plugin: PluginSummary) => void;
  onEvent?: (pluginId: string, name: string, payload: unknown) => void;
  onCrossCall?: (call: { callerId: string; targetId: string; command: string; allowed: boolean; reason: string }) => void;
  onNotify?: (pluginId: string, notification: Extract<BridgeMessage, { type: 'notify' }>['notification']) => void;
}

/** A plugin as the services that act for it see it: main's own knowledge, never its plugin host's word. */
export interface ServedPlugin {
  id: string;
  name: string;
  /** Its data folder, links resolved. */
  dataDir: string;
  /** The permissions granted now (approved, or Restricted and turned on). */
  granted(): Array<{ type: string; value?: unknown }>;
}

/** What panels and the command line see of a plugin. */
export interface PluginSummary {
  id: string;
  name: string;
  version: string;
  description: string;
  dir: string;
  enabled: boolean;
  state: PluginState;
  error: string | null;
  commands: string[];
  /** Every manifest permission with its tier, description and status. */
  permissions: PermissionState[];
  /** Standard and Sensitive permissions still waiting for the user's approval: the plugin stays off. */
  needsApproval: PermissionState[];
  metadata: PluginMetadata | null;
  /** The manifest has a settings_schema, so the panel offers a settings form. */
  hasSettings: boolean;
  /**
   * Its frontend, if it has one: the label of its frames' origin and where they show. Panels draw
   * the frames only while the plugin is active.
   */
  frontend: { label: string; placements: Placement[] } | null;
  /** Whether its plugin host proved its sandbox, with the proof (see core/sandbox/proof). */
  sandbox: SandboxStatus;
  /** What a long start is doing (building a bridge for the plugin's compiler), while it does. */
  progress: string | null;
  /** The rustup toolchain that would let it load (`haloforge toolchain install <it>`), when that is what it lacks. */
  toolchainNeeded: string | null;
  /**
   * Where what the plugin says of itself differs from its manifest (version, name, commands), as
   * real plugins often do: it keeps working, and the reviewer sees it.
   */
  differences: string[];
  localNetwork: boolean;
  installSource: string | null;
  installDate: string | null;
  updateDate: string | null;
}

interface Entry {
  dir: string;
  manifest: Manifest | undefined;
  /** Why the plugin cannot run at all (bad manifest, no library for this machine, id collision…). */
  problem: string | undefined;
  process: PluginProcess | undefined;
}

/** The most a plugin may keep in its settings file. */
const MAX_SETTINGS_BYTES = 256 * 1024;

/**
 * Knows every plugin under `plugins/`, runs each enabled and approved one in its own plugin host,
 * and routes invokes to them.
 */
export class PluginManager {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: PluginManagerOptions) {
    if (opts.registry.loadProblem) opts.logger.log('error', HOST_TARGET, opts.registry.loadProblem);
  }

  get pluginsDir(): string {
    return this.opts.pluginsDir;
  }

  get registry(): PluginRegistry {
    return this.opts.registry;
  }

  /** Reads every `plugins/<folder>/manifest.json`; a bad one becomes a plugin in `error`. */
  discover(): void {
    if (!existsSync(this.opts.pluginsDir)) return;
    for (const folder of readdirSync(this.opts.pluginsDir, { withFileTypes: true })) {
      if (!folder.isDirectory() || folder.name.startsWith('.')) continue;
      const dir = join(this.opts.pluginsDir, folder.name);
      // Uninstalling keeps a plugin's data/ unless asked: such a folder is not a plugin.
      if (!existsSync(join(dir, 'manifest.json'))) {
        this.opts.logger.log('info', HOST_TARGET, `${dir} has no manifest.json (data kept from an uninstalled plugin?); skipped`);
        continue;
      }
      this.load(dir, folder.name);
    }
  }

  /** (Re)reads one plugin folder; any running plugin host of that id must be stopped first. */
  load(dir: string, fallbackId: string, installSource = 'placed by hand in the plugins folder'): string {
    const read = readManifest(dir);
    if (!read.ok) {
      const problem = `invalid manifest: ${read.errors.join('; ')}`;
      this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir}: ${problem}`);
      this.entries.set(fallbackId, { dir, manifest: undefined, problem, process: undefined });
      return fallbackId;
    }
    const manifest = read.manifest;
    const clash = this.wireClash(manifest.id);
    if (clash) {
      this.opts.logger.log('error', HOST_TARGET, `plugin folder ${dir} ignored: ${clash}`);
      return manifest.id;
    }
    const library = nativeLibraryPath(dir, manifest);
    if (!this.opts.registry.get(manifest.id)) {
      const now = this.opts.registry.stamp();
      // Placed by hand: the library seen now is the one the user approves.
      const librarySha256 = library.ok && existsSync(library.path) ? fileDigest(library.path) : undefined;
      this.opts.registry.put({ id: manifest.id, version: manifest.version, enabled: true, installDate: now, updateDate: null, installSource, approved: [], restrictedEnabled: [], librarySha256 });
    }
    const problem = !library.ok ? library.error : this.opts.gate.startProblem();
    if (problem) this.opts.logger.log('error', manifest.id, problem);
    this.entries.set(manifest.id, { dir, manifest, problem, process: library.ok && !problem ? this.makeProcess(manifest, dir, library.path) : undefined });
    return manifest.id;
  }

  /** Another installed plugin whose wire-name prefix is the same (`a.b`, `a-b` and `a_b` collide). */
  wireClash(pluginId: string): string | undefined {
    const mine = sanitizedPluginId(pluginId);
    for (const [id] of this.entries) {
      if (id !== pluginId && sanitizedPluginId(id) === mine) return `its wire names (plugin_${mine}_…) would collide with those of installed plugin ${id}`;
    }
    return undefined;
  }

  /** Starts every enabled plugin that may run. */
  async startAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.startIfReady(id)));
  }

  /** Starts one plugin when it is enabled, runnable and has nothing awaiting approval. */
  async startIfReady(pluginId: string): Promise<void> {
    const e = this.entries.get(pluginId);
    const record = this.opts.registry.get(pluginId);
    if (!e?.process || !e.manifest || !record?.enabled) return;
    if (pendingApproval(permissionStates(e.manifest, record)).length > 0) return;
    await e.process.start();
  }

  list(): PluginSummary[] {
    return [...this.entries.keys()].map((id) => this.get(id) as PluginSummary).sort((a, b) => a.id.localeCompare(b.id));
  }

  get(pluginId: string): PluginSummary | undefined {
    const e = this.entries.get(pluginId);
    if (!e) return undefined;
    const record = this.opts.registry.get(pluginId);
    const states = e.manifest ? permissionStates(e.manifest, record) : [];
    const p = e.process;
    const state: PluginState = e.problem ? 'error' : p ? p.state : 'inactive';
    const frontend = e.manifest ? frontendOf(e.manifest) : null;
    return {
      id: pluginId,
      name: displayText(e.manifest?.name ?? pluginId),
      version: displayText(e.manifest?.version ?? ''),
      description: displayText(e.manifest?.description ?? ''),
      dir: e.dir,
      enabled: record?.enabled ?? false,
      state,
      error: e.problem ?? p?.error ?? null,
      commands: p?.commands ?? [],
      permissions: states,
      needsApproval: pendingApproval(states),
      metadata: p?.metadata ? displayFields(p.metadata) : null,
      hasSettings: e.manifest?.settings_schema !== undefined,
      frontend: frontend ? { label: frameLabel(pluginId), placements: frontend.placements.map(displayFields) } : null,
      sandbox: p?.sandbox ?? { state: 'not-started' },
      progress: p?.progress ?? null,
      toolchainNeeded: p?.toolchainNeeded ?? null,
      differences: e.manifest && p?.metadata ? differences(e.manifest, p.metadata, p.commands).map(displayText) : [],
      localNetwork: this.opts.localNetworkOf?.(pluginId) ?? false,
      installSource: record?.installSource ?? null,
      installDate: record?.installDate ?? null,
      updateDate: record?.updateDate ?? null,
    };
  }

  manifestOf(pluginId: string): Manifest | undefined {
    return this.entries.get(pluginId)?.manifest;
  }

  dirOf(pluginId: string): string | undefined {
    return this.entries.get(pluginId)?.dir;
  }

  /** The plugin host a command may be sent to, or why none may (checked from the record, not a whole summary). */
  private runnable(pluginId: string): PluginProcess {
    const entry = this.entries.get(pluginId);
    if (!entry) throw new InvokeError(`Not found: no plugin ${pluginId} is installed`);
    if (!entry.process || !entry.manifest) throw new InvokeError(`plugin ${pluginId} cannot run: ${entry.problem ?? 'unknown problem'}`);
    const record = this.opts.registry.get(pluginId);
    if (!record?.enabled) throw new InvokeError(`plugin ${pluginId} is disabled`);
    const pending = pendingApproval(permissionStates(entry.manifest, record));
    if (pending.length > 0) throw new InvokeError(`plugin ${pluginId} is waiting for approval of: ${pending.map((p) => `${p.key} (${p.tier})`).join(', ')}`);
    return entry.process;
  }

  /** Invokes `command` of `pluginId` (the short name a panel gives). */
  async invoke(pluginId: string, command: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    return this.runnable(pluginId).invoke(command, args, timeoutMs);
  }

  /**
   * Invokes by wire name, as the SDK's `plugin_invoke` does (contract §3.1), with the arguments as
   * JSON text and the answer as it came: main passes both on without parsing them.
   */
  async invokeWireRaw(wire: string, argsJson: string, timeoutMs?: number): Promise<RawJson> {
    const target = resolveWireName(wire, this.entries.keys());
    if (!target) throw new InvokeError(`Not found: no installed plugin answers to '${wire}'`);
    return this.runnable(target.pluginId).invokeRaw(target.command, argsJson, timeoutMs);
  }

  /**
   * A call from one plugin's panel to a plugin command (the SDK's `invokeOtherPlugin`). A plugin may
   * always call its own commands; another plugin's only when that plugin's manifest lists the
   * command with `"exported": true` (default deny). Every cross call is audited, allowed or not.
   */
  async invokeAs(callerId: string, wire: string, args: unknown): Promise<unknown> {
    const target = resolveWireName(wire, this.entries.keys());
    if (!target) throw new InvokeError(`Not found: no installed plugin answers to '${wire}'`);
    if (target.pluginId === callerId) return this.invoke(target.pluginId, target.command, args);
    const allowed = this.entries.get(target.pluginId)?.manifest?.commands?.find((c) => c.id === target.command)?.exported === true;
    const reason = allowed
      ? `${target.pluginId} exports '${target.command}' to other plugins`
      : `${target.pluginId} does not export '${target.command}' to other plugins (its manifest would list it in commands with "exported": true)`;
    this.opts.onCrossCall?.({ callerId, targetId: target.pluginId, command: target.command, allowed, reason });
    if (!allowed) throw new InvokeError(`Permission denied: plugin ${callerId} may not call ${wire}: ${reason}`);
    return this.invoke(target.pluginId, target.command, args);
  }

  async restart(pluginId: string): Promise<PluginSummary> {
    const entry = this.entries.get(pluginId);
    if (!entry?.process) throw new Error(`plugin ${pluginId} ${entry ? `cannot run: ${entry.problem ?? ''}` : 'is not installed'}`);
    await entry.process.stop();
    await this.startIfReady(pluginId);
    return this.get(pluginId) as PluginSummary;
  }

  async setEnabled(pluginId: string, enabled: boolean): Promise<PluginSummary> {
    this.requireRecord(pluginId);
    this.opts.registry.update(pluginId, { enabled });
    this.opts.logger.log('info', HOST_TARGET, `plugin ${pluginId} ${enabled ? 'enabled' : 'disabled'}`);
    if (enabled) await this.startIfReady(pluginId);
    else await this.entries.get(pluginId)?.process?.stop();
    return this.changed(pluginId);
  }

  /** Approves Standard and Sensitive permissions (their keys, or all pending ones) and starts the plugin. */
  async approve(pluginId: string, keys: readonly string[] | 'all'): Promise<PluginSummary> {
    const record = this.requireRecord(pluginId);
    const manifest = this.entries.get(pluginId)?.manifest;
    if (!manifest) throw new Error(`plugin ${pluginId} has no valid manifest to approve`);
    const pending = pendingApproval(permissionStates(manifest, record)).map((p) => p.key);
    const chosen = keys === 'all' ? pending : keys;
    const unknown = chosen.filter((k) => !pending.includes(k) && !record.approved.includes(k));
    if (unknown.length > 0) throw new Error(`plugin ${pluginId} has no pending permission ${unknown.join(', ')} (pending: ${pending.join(', ') || 'none'})`);
    this.opts.registry.update(pluginId, { approved: [...new Set([...record.approved, ...chosen])] });
    this.opts.logger.log('info', HOST_TARGET, `plugin ${pluginId}: the user approved ${chosen.join(', ') || 'nothing new'}`);
    await this.startIfReady(pluginId);
    return this.changed(pluginId);
  }

  /** Turns a Restricted permission on or off by hand; the plugin host restarts to pick it up. */
  async setRestricted(pluginId: string, key: string, on: boolean): Promise<PluginSummary> {
    const record = this.requireRecord(pluginId);
    const manifest = this.entries.get(pluginId)?.manifest;
    const state = manifest && permissionStates(manifest, record).find((p) => p.key === key);
    if (!state || state.tier !== 'Restricted') throw new Error(`plugin ${pluginId} declares no Restricted permission ${key}`);
    const rest = record.restrictedEnabled.filter((k) => k !== key);
    this.opts.registry.update(pluginId, { restrictedEnabled: on ? [...rest, key] : rest });
    this.opts.logger.log('warn', HOST_TARGET, `plugin ${pluginId}: Restricted permission ${key} turned ${on ? 'on' : 'off'} by the user`);
    if (this.entries.get(pluginId)?.process?.state === 'active') await this.restart(pluginId);
    return this.changed(pluginId);
  }

  private settingsPath(pluginId: string): string {
    return join(this.opts.settingsDir, `${pluginId}.json`);
  }

  /** The settings form of a plugin: its schema and current values (secrets included, for the form only). */
  settingsOf(pluginId: string): { schema: SettingsSchema | null; values: Record<string, unknown> } {
    const schema = this.schemaOf(pluginId);
    return { schema: schema ?? null, values: readSettings(this.settingsPath(pluginId), schema) };
  }

  private schemaOf(pluginId: string): SettingsSchema | undefined {
    const m = this.entries.get(pluginId)?.manifest;
    if (!m) throw new Error(`no plugin ${pluginId} is installed`);
    return m.settings_schema as SettingsSchema | undefined;
  }

  /** Saves settings from a panel, atomically, and tells the running plugin (on_settings_changed). */
  saveSettings(pluginId: string, values: Record<string, unknown>): Record<string, unknown> {
    const schema = this.schemaOf(pluginId);
    const problems = settingsProblems(schema, values);
    if (problems.length > 0) throw new Error(`settings of ${pluginId} not saved: ${problems.join('; ')}`);
    mkdirSync(this.opts.settingsDir, { recursive: true });
    writeSettings(this.settingsPath(pluginId), values);
    // What the plugin now sees: the saved values over the schema's defaults.
    const merged = { ...schemaDefaults(schema), ...values };
    // Values are never logged: settings hold API keys.
    this.opts.logger.log('info', pluginId, 'settings saved from the panel');
    this.entries.get(pluginId)?.process?.settingsChanged(merged);
    this.settingsSaved(pluginId);
    return merged;
  }

  /** A plugin saves its own settings (`ctx.save_settings()`), checked like a panel's save; it knows of it already. */
  private saveOwnSettings(pluginId: string, values: Record<string, unknown>): { ok: true; values: Record<string, unknown> } | { ok: false; message: string } {
    const schema = this.schemaOf(pluginId);
    const problems = settingsProblems(schema, values);
    const size = JSON.stringify(values).length;
    if (size > MAX_SETTINGS_BYTES) problems.push(`settings of ${size} bytes are more than the ${MAX_SETTINGS_BYTES} a plugin may keep`);
    if (problems.length > 0) return { ok: false, message: `settings not saved: ${problems.join('; ')}` };
    mkdirSync(this.opts.settingsDir, { recursive: true });
    writeSettings(this.settingsPath(pluginId), values);
    // Values are never logged: settings hold API keys.
    this.opts.logger.log('info', pluginId, 'settings saved');
    this.settingsSaved(pluginId);
    return { ok: true, values: { ...schemaDefaults(schema), ...values } };
  }

  /** Settings changed somewhere: plugins listening for SettingsChanged hear which plugin's. */
  settingsSaved(pluginId: string): void {
    this.appEvent({ type: 'settings_changed' }, { pluginId });
  }

  /** A permission prompt for a plugin opened (or the last one closed): its commands' clocks stop (or go on). */
  holdDeadlines(pluginId: string, asking: boolean): void {
    this.entries.get(pluginId)?.process?.holdDeadlines(asking);
  }

  /**
   * Sends an app event to every running plugin granted events_listen (their subscriptions decide
   * which handlers run): a plugin without it hears nothing, even if its own bridge would listen.
   */
  appEvent(event: { type: string; name?: string }, payload: unknown = null): void {
    for (const [id, e] of this.entries) {
      if (e.manifest && grantedPermissions(permissionStates(e.manifest, this.opts.registry.get(id))).some((p) => p.type === 'events_listen')) e.process?.appEvent(event, payload);
    }
  }

  /** The plugin whose frames `label` names, while it is active and has a frontend. */
  framed(label: string): FramedPlugin | undefined {
    for (const [pluginId, e] of this.entries) {
      if (!e.manifest || e.process?.state !== 'active' || frameLabel(pluginId) !== label) continue;
      const frontend = frontendOf(e.manifest);
      return frontend ? { pluginId, dir: e.dir, frontend } : undefined;
    }
    return undefined;
  }

  /** What a plugin is doing now: the commands and steps it has not answered yet. */
  runningOf(pluginId: string): string[] {
    return this.entries.get(pluginId)?.process?.running() ?? [];
  }

  /** The permissions a plugin holds now (approved, or Restricted and turned on). */
  granted(pluginId: string): Array<{ type: string; value?: unknown }> {
    const m = this.entries.get(pluginId)?.manifest;
    return m ? grantedPermissions(permissionStates(m, this.opts.registry.get(pluginId))) : [];
  }

  /** An event a plugin emitted from its frame: it travels as one from its native code does. */
  emit(pluginId: string, name: string, payload: unknown): void {
    this.opts.onEvent?.(pluginId, name, payload);
  }

  /** Every workflow step type the active plugins registered, named `{plugin_id}:{type_id}`. */
  stepTypes(): StepType[] {
    const out: StepType[] = [];
    for (const [pluginId, e] of this.entries) {
      const p = e.process;
      if (!p || p.state !== 'active' || !p.metadata) continue;
      const pluginName = displayText(e.manifest?.name ?? pluginId);
      for (const t of p.metadata.workflowStepTypes) out.push({ ...t, id: `${pluginId}:${t.typeId}`, pluginId, pluginName });
    }
    return out.sort((a, b) => a.category.localeCompare(b.category) || a.displayName.localeCompare(b.displayName));
  }

  /** Runs one workflow step in its plugin, which must be active and have registered the type. */
  runStep(pluginId: string, typeId: string, config: unknown): Promise<unknown> {
    const p = this.entries.get(pluginId)?.process;
    if (!p) return Promise.reject(new InvokeError(`Not found: no plugin ${pluginId} can run workflow steps`));
    return p.runStep(typeId, config);
  }

  /** Stops a plugin and forgets it (its files are the installer's business). */
  async forget(pluginId: string): Promise<void> {
    await this.entries.get(pluginId)?.process?.stop();
    this.entries.delete(pluginId);
  }

  /** The permissions the user granted, as the broker sees them. */
  networkProfile(pluginId: string): { name: string; permissions: Array<{ type: string; value?: unknown }> } | undefined {
    const m = this.entries.get(pluginId)?.manifest;
    return m ? { name: m.name, permissions: grantedPermissions(permissionStates(m, this.opts.registry.get(pluginId))) } : undefined;
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

  private requireRecord(pluginId: string): PluginRecord {
    const record = this.opts.registry.get(pluginId);
    if (!record || !this.entries.has(pluginId)) throw new Error(`no plugin ${pluginId} is installed`);
    return record;
  }

  /** Announces a change made elsewhere (grants, local network) and returns the new summary. */
  changed(pluginId: string): PluginSummary {
    const summary = this.get(pluginId) as PluginSummary;
    this.opts.onChange?.(summary);
    return summary;
  }

  /**
   * Why a plugin's library may not start: it is not the one approved (a plugin cannot swap another's
   * code, and a user's approval covers the code they approved). A record from before this check
   * takes the library it finds.
   */
  private libraryChange(pluginId: string, library: string): string | undefined {
    const record = this.opts.registry.get(pluginId);
    // A missing library is reported by the plugin host, with its own message.
    if (!record || !existsSync(library)) return undefined;
    const actual = fileDigest(library);
    if (!record.librarySha256) {
      this.opts.registry.update(pluginId, { librarySha256: actual });
      this.opts.logger.log('info', pluginId, `recorded the sha256 of its native library (${actual})`);
      return undefined;
    }
    if (record.librarySha256 === actual) return undefined;
    return `the native library of ${pluginId} (${library}) changed on disk since it was approved (sha256 was ${record.librarySha256}, is ${actual}): it is not started; install the plugin again to review and approve the change`;
  }

  private makeProcess(manifest: Manifest, dir: string, library: string): PluginProcess {
    const pluginId = manifest.id;
    const dataDir = pluginDataDir(dir);
    mkdirSync(dataDir, { recursive: true });
    const granted = () => grantedPermissions(permissionStates(manifest, this.opts.registry.get(pluginId)));
    const served: ServedPlugin = { id: pluginId, name: manifest.name, dataDir: realPath(dataDir), granted };
    const calls = this.opts.hostCalls?.(served);
    return new PluginProcess({
      pluginId,
      dir,
      library,
      dataDir,
      bridge: (onProgress) => this.opts.bridges.forLibrary(library, onProgress),
      // ctx.http() is Some when the manifest declares network access; whether a request may go
      // out is the broker's decision, from the permissions the user granted.
      network: manifest.permissions.some((p) => p.type === 'network_http' || p.type === 'network_http_domain'),
      // Read at every start, so approvals given since are in effect.
      context: () => ({ permissions: granted(), settings: readSettings(this.settingsPath(pluginId), manifest.settings_schema as SettingsSchema | undefined) }),
      gate: this.opts.gate,
      checkLibrary: () => this.libraryChange(pluginId, library),
      launcher: this.opts.launcher,
      logger: this.opts.logger,
      timeouts: this.opts.timeouts,
      restartPolicy: this.opts.restartPolicy,
      onStateChange: () => {
        if (this.entries.get(pluginId)) this.changed(pluginId);
      },
      onNotify: (m) => this.opts.onNotify?.(pluginId, m.notification),
      onEvent: (name, payload) => this.opts.onEvent?.(pluginId, name, payload),
      onViolation: (reason) => this.opts.onViolation?.(pluginId, reason),
      onHostGone: () => this.opts.onHostGone?.(pluginId),
      egress: this.opts.egressFor?.(pluginId),
      hostCalls: {
        http: (m) => calls?.http(m) ?? Promise.resolve({ ok: false, kind: 'permission', message: 'this host has no network broker' }),
        fs: (m) => calls?.fs(m) ?? Promise.resolve({ ok: false, kind: 'permission', message: 'this host does not serve files' }),
        process: (m) => calls?.process(m) ?? Promise.resolve({ ok: false, kind: 'permission', message: 'this host does not run programs' }),
        settings: (m) => Promise.resolve(this.saveOwnSettings(pluginId, m.values)),
      },
    });
  }
}

/** What a loaded plugin says of itself that its manifest does not (contract §1.8: common in real plugins). */
export function differences(manifest: Manifest, metadata: PluginMetadata, registered: readonly string[]): string[] {
  const out: string[] = [];
  if (metadata.version !== manifest.version) out.push(`it says it is version ${metadata.version}; its manifest says ${manifest.version}`);
  if (metadata.name !== manifest.name) out.push(`it calls itself "${metadata.name}"; its manifest says "${manifest.name}"`);
  if (manifest.commands) {
    const listed = new Set(manifest.commands.map((c) => c.id));
    const unlisted = registered.filter((c) => !listed.has(c));
    const missing = [...listed].filter((c) => !registered.includes(c));
    if (unlisted.length) out.push(`it registers commands its manifest does not list: ${unlisted.join(', ')}`);
    if (missing.length) out.push(`its manifest lists commands it does not register: ${missing.join(', ')}`);
  }
  const declared = manifest.integration?.level4?.workflow_step_types;
  if (declared) {
    const steps = metadata.workflowStepTypes.map((t) => t.typeId);
    const unlisted = steps.filter((t) => !declared.includes(t));
    const missing = declared.filter((t) => !steps.includes(t));
    if (unlisted.length) out.push(`it registers workflow step types its manifest does not list: ${unlisted.join(', ')}`);
    if (missing.length) out.push(`its manifest lists workflow step types it does not register: ${missing.join(', ')}`);
  }
  return out;
}
