import { existsSync, mkdirSync } from 'node:fs';
import type { Bridges } from '../bridges/bridges';
import { displayText } from '../display-text';
import { realPath } from '../files/real-path';
import { frameLabel, type FramedPlugin } from '../frontends/frame-server';
import { frontendOf } from '../frontends/placements';
import type { RawJson } from '../json-bytes';
import { HOST_TARGET, type Logger } from '../log/logger';
import { pluginDataDir } from '../paths';
import type { SandboxGate } from '../sandbox/gate';
import type { Timeouts } from '../timeouts';
import type { StepType } from '../workflows/step-types';
import type { PluginAuthority, ServedPlugin } from './authority';
import type { CatalogueEntry, PluginCatalogue } from './catalogue';
import type { BridgeMessage } from './host-protocol';
import type { HostLauncher } from './launcher';
import { fileDigest } from './package';
import { InvokeError, PluginProcess, type EgressSide, type HostCalls, type RestartPolicy, type ViewSide } from './plugin-process';
import { askOf, viewGrants, type ViewGrant } from '../sandbox/grant-view';
import type { ViewAccessRequest } from '../sandbox/supervisor-link';
import type { ViewDecision } from '../files/view-access';
import type { ProgramService } from '../processes/program-service';
import { PROGRAM_PATH } from '../processes/program-rules';
import type { PluginSettings } from './plugin-settings';
import { summarize } from './summary';
import type { PluginSummary } from './summary-types';

export interface PluginLifecycleOptions {
  catalogue: PluginCatalogue;
  /** What a plugin host is given at start, and where a plugin's own saves go. */
  settings: Pick<PluginSettings, 'current' | 'saveOwn'>;
  /** The host bridges, one per compiler (core/bridges). */
  bridges: Bridges;
  launcher: HostLauncher;
  logger: Logger;
  timeouts: Timeouts;
  restartPolicy?: Partial<RestartPolicy>;
  /** Whether a plugin host may start, and whether its plugin may load once it has proved its walls. */
  gate: SandboxGate;
  /** What main does on a plugin's behalf (ctx.http(), ctx.process()), given the plugin's authority at each call. */
  services?: PluginServices;
  /** Main's decision on a plugin's call that names a path outside its sandbox's view (see files/view-access). */
  viewAccess?: (plugin: ServedPlugin, request: ViewAccessRequest) => Promise<ViewDecision>;
  /** Main's decisions on the programs plugins run through their shims (design §8.1). */
  programs?: Pick<ProgramService, 'decide' | 'placesFor' | 'searchPath'>;
  /** A plugin host said something its plugin's permissions cannot explain; it is being stopped. */
  onViolation?: (pluginId: string, reason: string) => void;
  /** A plugin host ended: whatever main runs for it goes too. */
  onHostGone?: (pluginId: string) => void;
  /** Main's side of the egress proxy (core/egress), bound per plugin. */
  egressFor?: (pluginId: string) => EgressSide;
  onChange?: (plugin: PluginSummary) => void;
  onEvent?: (pluginId: string, name: string, payload: unknown) => void;
  onCrossCall?: (call: { callerId: string; targetId: string; command: string; allowed: boolean; reason: string }) => void;
  onNotify?: (pluginId: string, notification: Extract<BridgeMessage, { type: 'notify' }>['notification']) => void;
}

/** Main's services to plugins, each call given the plugin as main knows it at that moment. */
export type PluginServices = {
  [K in Exclude<keyof HostCalls, 'settings'>]: (plugin: ServedPlugin, request: Parameters<HostCalls[K]>[0]) => ReturnType<HostCalls[K]>;
};

interface Running {
  process: PluginProcess | undefined;
  /** Why it cannot run (from the catalogue, or the sandbox gate). */
  problem: string | undefined;
}

/**
 * Runs every enabled and approved plugin of the catalogue in its own plugin host, routes invokes,
 * workflow steps and app events to them, and applies the user's approvals and toggles. What a
 * plugin may do is read from its authority (see ./authority), never worked out here.
 */
export class PluginLifecycle {
  readonly catalogue: PluginCatalogue;
  private readonly hosts = new Map<string, Running>();

  constructor(private readonly opts: PluginLifecycleOptions) {
    this.catalogue = opts.catalogue;
    // A grant given, narrowed, revoked or expired anywhere reaches the running sandbox's view at once.
    this.catalogue.onResolved((id) => this.hosts.get(id)?.process?.refreshView());
  }

  /** Reads every plugin folder of the catalogue; a bad one becomes a plugin in `error`. */
  discover(): void {
    for (const { dir, name } of this.catalogue.folders()) this.load(dir, name);
  }

  /** (Re)reads one plugin folder and prepares its plugin host; any running one of that id must be stopped first. */
  load(dir: string, fallbackId: string, installSource = 'placed by hand in the plugins folder'): string {
    const entry = this.catalogue.read(dir, fallbackId, installSource);
    if (!entry) return fallbackId;
    const problem = entry.problem ?? (entry.library ? this.opts.gate.startProblem() : undefined);
    if (problem && !entry.problem) this.opts.logger.log('error', entry.id, problem);
    this.hosts.set(entry.id, { problem, process: entry.manifest && entry.library && !problem ? this.makeProcess(entry, entry.library) : undefined });
    return entry.id;
  }

  /** Starts every enabled plugin that may run. */
  async startAll(): Promise<void> {
    await Promise.all(this.catalogue.ids().map((id) => this.startIfReady(id)));
  }

  /** Starts one plugin when it is enabled, runnable and has nothing awaiting approval. */
  async startIfReady(pluginId: string): Promise<void> {
    const process = this.hosts.get(pluginId)?.process;
    const authority = this.catalogue.authority(pluginId);
    if (!process || !authority?.enabled || authority.pending.length > 0) return;
    await process.start();
  }

  list(): PluginSummary[] {
    return this.catalogue
      .ids()
      .map((id) => this.get(id) as PluginSummary)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  get(pluginId: string): PluginSummary | undefined {
    const entry = this.catalogue.entry(pluginId);
    if (!entry) return undefined;
    const running = this.hosts.get(pluginId);
    return summarize(entry, this.catalogue.record(pluginId), this.catalogue.authority(pluginId), running?.process, running?.problem);
  }

  /** The plugin host a command may be sent to, or why none may. */
  private runnable(pluginId: string): PluginProcess {
    const running = this.hosts.get(pluginId);
    if (!running) throw new InvokeError(`Not found: no plugin ${pluginId} is installed`);
    const authority = this.catalogue.authority(pluginId);
    if (!running.process || !authority) throw new InvokeError(`plugin ${pluginId} cannot run: ${running.problem ?? 'unknown problem'}`);
    if (!authority.enabled) throw new InvokeError(`plugin ${pluginId} is disabled`);
    if (authority.pending.length > 0) throw new InvokeError(`plugin ${pluginId} is waiting for approval of: ${authority.pending.map((p) => `${p.key} (${p.tier})`).join(', ')}`);
    return running.process;
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
    const target = this.catalogue.resolveWire(wire);
    if (!target) throw new InvokeError(`Not found: no installed plugin answers to '${wire}'`);
    return this.runnable(target.pluginId).invokeRaw(target.command, argsJson, timeoutMs);
  }

  /**
   * A call from one plugin's panel to a plugin command (the SDK's `invokeOtherPlugin`). A plugin may
   * always call its own commands; another plugin's only when that plugin's manifest lists the
   * command with `"exported": true` (default deny). Every cross call is audited, allowed or not.
   */
  async invokeAs(callerId: string, wire: string, args: unknown): Promise<unknown> {
    const target = this.catalogue.resolveWire(wire);
    if (!target) throw new InvokeError(`Not found: no installed plugin answers to '${wire}'`);
    if (target.pluginId === callerId) return this.invoke(target.pluginId, target.command, args);
    const allowed = this.catalogue.authority(target.pluginId)?.exported.has(target.command) === true;
    const reason = allowed
      ? `${target.pluginId} exports '${target.command}' to other plugins`
      : `${target.pluginId} does not export '${target.command}' to other plugins (its manifest would list it in commands with "exported": true)`;
    this.opts.onCrossCall?.({ callerId, targetId: target.pluginId, command: target.command, allowed, reason });
    if (!allowed) throw new InvokeError(`Permission denied: plugin ${callerId} may not call ${wire}: ${reason}`);
    return this.invoke(target.pluginId, target.command, args);
  }

  async restart(pluginId: string): Promise<PluginSummary> {
    const running = this.hosts.get(pluginId);
    if (!running?.process) throw new Error(`plugin ${pluginId} ${running ? `cannot run: ${running.problem ?? ''}` : 'is not installed'}`);
    await running.process.stop();
    await this.startIfReady(pluginId);
    return this.get(pluginId) as PluginSummary;
  }

  async setEnabled(pluginId: string, enabled: boolean): Promise<PluginSummary> {
    this.requireInstalled(pluginId);
    this.catalogue.updateRecord(pluginId, { enabled });
    this.opts.logger.log('info', HOST_TARGET, `plugin ${pluginId} ${enabled ? 'enabled' : 'disabled'}`);
    if (enabled) await this.startIfReady(pluginId);
    else await this.hosts.get(pluginId)?.process?.stop();
    return this.changed(pluginId);
  }

  /** Approves Standard and Sensitive permissions (their keys, or all pending ones) and starts the plugin. */
  async approve(pluginId: string, keys: readonly string[] | 'all', applied?: (approved: readonly string[]) => void): Promise<PluginSummary> {
    const authority = this.requireInstalled(pluginId);
    const approved = this.catalogue.record(pluginId)?.approved ?? [];
    const pending = authority.pending.map((p) => p.key);
    const chosen = keys === 'all' ? pending : keys;
    const unknown = chosen.filter((k) => !pending.includes(k) && !approved.includes(k));
    if (unknown.length > 0) throw new Error(`plugin ${pluginId} has no pending permission ${unknown.join(', ')} (pending: ${pending.join(', ') || 'none'})`);
    this.catalogue.updateRecord(pluginId, { approved: [...new Set([...approved, ...chosen])] });
    this.opts.logger.log('info', HOST_TARGET, `plugin ${pluginId}: the user approved ${chosen.join(', ') || 'nothing new'}`);
    // Told once it holds, before the plugin starts: the change's record comes before what it allows.
    applied?.(chosen.filter((k) => !approved.includes(k)));
    await this.startIfReady(pluginId);
    return this.changed(pluginId);
  }

  /**
   * Takes back the approval of one Standard or Sensitive permission: the plugin stops and waits for
   * that approval again (it cannot run with a manifest permission it was not given).
   */
  async revokeApproval(pluginId: string, key: string, applied?: () => void): Promise<PluginSummary> {
    const authority = this.requireInstalled(pluginId);
    const state = authority.states.find((p) => p.key === key);
    const approved = this.catalogue.record(pluginId)?.approved ?? [];
    if (!state || (state.tier !== 'Standard' && state.tier !== 'Sensitive') || !approved.includes(key)) {
      throw new Error(`plugin ${pluginId} has no approved Standard or Sensitive permission ${key} (approved: ${approved.join(', ') || 'none'})`);
    }
    this.catalogue.updateRecord(pluginId, { approved: approved.filter((k) => k !== key) });
    this.opts.logger.log('warn', HOST_TARGET, `plugin ${pluginId}: the user took back the approval of ${key}; it waits for that approval again`);
    applied?.();
    await this.hosts.get(pluginId)?.process?.stop();
    return this.changed(pluginId);
  }

  /**
   * Reads a plugin's folder again (its manifest fixed, its library rebuilt) and starts it if it may
   * run now: what "Check again" does for a plugin that could not start. Returns it as read now.
   */
  async checkAgain(pluginId: string): Promise<PluginSummary> {
    const dir = this.catalogue.dirOf(pluginId);
    if (!dir) throw new Error(`no plugin ${pluginId} is installed`);
    const source = this.catalogue.record(pluginId)?.installSource;
    await this.forget(pluginId);
    const id = this.load(dir, dir.split('/').pop() ?? pluginId, source);
    await this.startIfReady(id);
    return this.changed(id);
  }

  /** Turns a Restricted permission on or off by hand; the plugin host restarts to pick it up. */
  async setRestricted(pluginId: string, key: string, on: boolean, applied?: (changed: boolean) => void): Promise<PluginSummary> {
    const authority = this.requireInstalled(pluginId);
    const state = authority.states.find((p) => p.key === key);
    if (!state || state.tier !== 'Restricted') throw new Error(`plugin ${pluginId} declares no Restricted permission ${key}`);
    const enabled = this.catalogue.record(pluginId)?.restrictedEnabled ?? [];
    const rest = enabled.filter((k) => k !== key);
    this.catalogue.updateRecord(pluginId, { restrictedEnabled: on ? [...rest, key] : rest });
    this.opts.logger.log('warn', HOST_TARGET, `plugin ${pluginId}: Restricted permission ${key} turned ${on ? 'on' : 'off'} by the user`);
    applied?.(enabled.includes(key) !== on);
    if (this.hosts.get(pluginId)?.process?.state === 'active') await this.restart(pluginId);
    return this.changed(pluginId);
  }

  /**
   * Settings were saved (see ./plugin-settings): a running plugin saved from a panel hears the new
   * values (on_settings_changed), and plugins listening for SettingsChanged hear whose changed.
   */
  settingsSaved(pluginId: string, values: Record<string, unknown>, fromPanel: boolean): void {
    if (fromPanel) this.hosts.get(pluginId)?.process?.settingsChanged(values);
    this.appEvent({ type: 'settings_changed' }, { pluginId });
  }

  /** Allows a folder or file for what the running plugin does next (see PluginProcess.allowOnce); false when it does not run. */
  allowOnce(pluginId: string, grant: ViewGrant): boolean {
    const process = this.hosts.get(pluginId)?.process;
    if (process?.state !== 'active') return false;
    process.allowOnce(grant);
    return true;
  }

  /** A permission prompt for a plugin opened (or the last one closed): its commands' clocks stop (or go on). */
  holdDeadlines(pluginId: string, asking: boolean): void {
    this.hosts.get(pluginId)?.process?.holdDeadlines(asking);
  }

  /**
   * Sends an app event to every running plugin granted events_listen (their subscriptions decide
   * which handlers run): a plugin without it hears nothing, even if its own bridge would listen.
   */
  appEvent(event: { type: string; name?: string }, payload: unknown = null): void {
    for (const [id, running] of this.hosts) {
      if (this.catalogue.authority(id)?.holds('events_listen')) running.process?.appEvent(event, payload);
    }
  }

  /** The plugin whose frames `label` names, while it is active and has a frontend. */
  framed(label: string): FramedPlugin | undefined {
    const pluginId = this.catalogue.ids().find((id) => frameLabel(id) === label);
    return pluginId === undefined ? undefined : this.activeFrontend(pluginId);
  }

  /** A plugin's frontend, while the plugin is active: only then may its frames show or call. */
  activeFrontend(pluginId: string): FramedPlugin | undefined {
    const entry = this.catalogue.entry(pluginId);
    if (!entry?.manifest || this.hosts.get(pluginId)?.process?.state !== 'active') return undefined;
    const frontend = frontendOf(entry.manifest);
    return frontend ? { pluginId, dir: entry.dir, frontend } : undefined;
  }

  /** What a plugin is doing now: the commands and steps it has not answered yet. */
  runningOf(pluginId: string): string[] {
    return this.hosts.get(pluginId)?.process?.running() ?? [];
  }

  /** An event a plugin emitted from its frame: it travels as one from its native code does. */
  emit(pluginId: string, name: string, payload: unknown): void {
    this.opts.onEvent?.(pluginId, name, payload);
  }

  /** Every workflow step type the active plugins registered, named `{plugin_id}:{type_id}`. */
  stepTypes(): StepType[] {
    const out: StepType[] = [];
    for (const [pluginId, running] of this.hosts) {
      const p = running.process;
      if (!p || p.state !== 'active' || !p.metadata) continue;
      const pluginName = displayText(this.catalogue.manifestOf(pluginId)?.name ?? pluginId);
      for (const t of p.metadata.workflowStepTypes) out.push({ ...t, id: `${pluginId}:${t.typeId}`, pluginId, pluginName });
    }
    return out.sort((a, b) => a.category.localeCompare(b.category) || a.displayName.localeCompare(b.displayName));
  }

  /** Runs one workflow step in its plugin, which must be active and have registered the type. */
  runStep(pluginId: string, typeId: string, config: unknown): Promise<unknown> {
    const p = this.hosts.get(pluginId)?.process;
    if (!p) return Promise.reject(new InvokeError(`Not found: no plugin ${pluginId} can run workflow steps`));
    return p.runStep(typeId, config);
  }

  /** Stops a plugin and forgets its folder (its files are the installer's business). */
  async forget(pluginId: string): Promise<void> {
    await this.hosts.get(pluginId)?.process?.stop();
    this.hosts.delete(pluginId);
    this.catalogue.drop(pluginId);
  }

  memoryOf(pluginId: string): Promise<{ rss: number; heapUsed: number }> {
    const p = this.hosts.get(pluginId)?.process;
    return p ? p.stats() : Promise.reject(new Error(`plugin ${pluginId} has no plugin host`));
  }

  pidOf(pluginId: string): number | undefined {
    return this.hosts.get(pluginId)?.process?.pid;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((r) => r.process?.stop()));
  }

  /** Announces a change made elsewhere (grants, local network) and returns the new summary. */
  changed(pluginId: string): PluginSummary {
    const summary = this.get(pluginId) as PluginSummary;
    this.opts.onChange?.(summary);
    return summary;
  }

  private requireInstalled(pluginId: string): PluginAuthority {
    const authority = this.catalogue.authority(pluginId);
    if (!this.catalogue.record(pluginId) || !this.catalogue.entry(pluginId)) throw new Error(`no plugin ${pluginId} is installed`);
    if (!authority) throw new Error(`plugin ${pluginId} has no valid manifest`);
    return authority;
  }

  /**
   * Why a plugin's library may not start: it is not the one approved (a plugin cannot swap another's
   * code, and a user's approval covers the code they approved). A record from before this check
   * takes the library it finds.
   */
  private libraryChange(pluginId: string, library: string): string | undefined {
    const record = this.catalogue.record(pluginId);
    // A missing library is reported by the plugin host, with its own message.
    if (!record || !existsSync(library)) return undefined;
    const actual = fileDigest(library);
    if (!record.librarySha256) {
      this.catalogue.updateRecord(pluginId, { librarySha256: actual });
      this.opts.logger.log('info', pluginId, `recorded the sha256 of its native library (${actual})`);
      return undefined;
    }
    if (record.librarySha256 === actual) return undefined;
    return `the native library of ${pluginId} (${library}) changed on disk since it was approved (sha256 was ${record.librarySha256}, is ${actual}): it is not started; install the plugin again to review and approve the change`;
  }

  private makeProcess(entry: CatalogueEntry, library: string): PluginProcess {
    const { id: pluginId, dir } = entry;
    const manifest = entry.manifest as NonNullable<CatalogueEntry['manifest']>;
    const dataDir = pluginDataDir(dir);
    mkdirSync(dataDir, { recursive: true });
    const realDataDir = realPath(dataDir);
    // Each call reads the authority of that moment: a grant revoked a second ago no longer holds.
    const refused = (message: string) => Promise.resolve({ ok: false, kind: 'permission', message });
    const serve =
      <M>(call: ((plugin: ServedPlugin, request: M) => Promise<unknown>) | undefined, missing: string) =>
      (request: M): Promise<unknown> => {
        const authority = this.catalogue.authority(pluginId);
        if (!authority) return refused(`plugin ${pluginId} is no longer installed`);
        return call ? call({ dataDir: realDataDir, authority }, request) : refused(missing);
      };
    const services = this.opts.services;
    const view: ViewSide = {
      state: () => {
        const authority = this.catalogue.authority(pluginId);
        return authority ? { grants: viewGrants(authority, new Date()), ask: askOf(authority) } : { grants: [], ask: { read: false, write: false } };
      },
      decide: (request) => {
        const authority = this.catalogue.authority(pluginId);
        if (!authority || !this.opts.viewAccess) return Promise.resolve({ allow: false });
        return this.opts.viewAccess({ dataDir: realDataDir, authority }, request);
      },
      programs: () => {
        const authority = this.catalogue.authority(pluginId);
        const programs = this.opts.programs;
        return { ...(authority && programs ? programs.placesFor(authority) : { shims: [], programs: [] }), searchPath: programs?.searchPath() ?? PROGRAM_PATH.join(':') };
      },
      program: (request, where) => {
        const authority = this.catalogue.authority(pluginId);
        if (!authority) return { refusal: `plugin ${pluginId} is no longer installed` };
        if (!this.opts.programs) return { refusal: 'this host runs no programs' };
        return this.opts.programs.decide({ dataDir: realDataDir, authority }, request, where);
      },
    };
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
      context: () => ({ permissions: [...(this.catalogue.authority(pluginId)?.permissions ?? [])], settings: this.opts.settings.current(pluginId) }),
      gate: this.opts.gate,
      checkLibrary: () => this.libraryChange(pluginId, library),
      launcher: this.opts.launcher,
      logger: this.opts.logger,
      timeouts: this.opts.timeouts,
      restartPolicy: this.opts.restartPolicy,
      onStateChange: () => {
        if (this.hosts.has(pluginId)) this.changed(pluginId);
      },
      onNotify: (m) => this.opts.onNotify?.(pluginId, m.notification),
      onEvent: (name, payload) => this.opts.onEvent?.(pluginId, name, payload),
      onViolation: (reason) => this.opts.onViolation?.(pluginId, reason),
      onHostGone: () => this.opts.onHostGone?.(pluginId),
      egress: this.opts.egressFor?.(pluginId),
      view,
      hostCalls: {
        http: serve(services?.http, 'this host has no network broker'),
        settings: (m) => Promise.resolve(this.opts.settings.saveOwn(pluginId, m.values)),
      },
    });
  }
}
