import { HttpBody } from '../broker/http-body';
import { RawJson, asBuffer, bytesToJson, jsonToBytes } from '../json-bytes';
import { claimBodies, decodeOutbox, type RawResult } from './outbox-format';
import type { Logger } from '../log/logger';
import type { BridgeLookup } from '../bridges/bridges';
import { Deadline } from '../deadline';
import { isLevel } from '../log/filter';
import { hostCallWaitMs, type Timeouts } from '../timeouts';
import { PRIVATE_TMP, type ViewAsk, type ViewGrant } from '../sandbox/grant-view';
import type { ProgramDecision } from '../processes/program-service';
import { PROGRAM_PATH, type ProgramRequest } from '../processes/program-rules';
import type { SandboxGate } from '../sandbox/gate';
import type { ViewAccessRequest } from '../sandbox/supervisor-link';
import type { SandboxProof, SandboxStatus } from '../sandbox/proof';
import type { AddressInfo, Server, Socket } from 'node:net';
import { proxyRefusal } from '../egress/proxy-head';
import type { BridgeMessage, FromPluginHost, LoadReply, LoadRequest, ToPluginHost } from './host-protocol';
import type { PluginMetadata, PluginState } from './summary-types';
import { describeExit, type HostLauncher, type HostProcess } from './launcher';
import { checkBridgeMessage, readLoadedPlugin, type GrantedTypes } from './message-check';

/** How a crashed plugin host is brought back: with growing delays, and not forever. */
export interface RestartPolicy {
  /** Crashes within `windowMs` after which the plugin stays in `error`. */
  maxCrashes: number;
  windowMs: number;
  /** Delay before the first restart; each further one doubles it. */
  baseDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 1000 };


/**
 * What main does on a plugin's behalf when its plugin host asks (each bound to that plugin, and to
 * its authority at the moment of the call, by the lifecycle). Each answer is JSON the bridge turns
 * into what the plugin API promises; a brokered body goes beside it as the bytes it came in.
 */
export interface HostCalls {
  http(request: Extract<BridgeMessage, { type: 'http' }>): Promise<unknown>;
  settings(request: Extract<BridgeMessage, { type: 'settings' }>): Promise<unknown>;
}

export interface PluginProcessOptions {
  pluginId: string;
  /** The plugin's folder (read-only in its sandbox) and its data folder (read-write). */
  dir: string;
  library: string;
  dataDir: string;
  /** The host bridge for this plugin's compiler, found (or built, once) at each start (core/bridges). */
  bridge: (onProgress: (text: string) => void) => Promise<BridgeLookup>;
  /** Whether the manifest declares a network permission (then `ctx.http()` is `Some`). */
  network: boolean;
  /** The granted permissions and current settings (see LoadRequest), read at every start. */
  context: () => Pick<LoadRequest, 'permissions' | 'settings'>;
  /** Judges the plugin host's proof of confinement before its plugin may load. */
  gate: SandboxGate;
  /** Why the plugin's library may not be loaded now (it changed since it was approved), if so. */
  checkLibrary?: () => string | undefined;
  launcher: HostLauncher;
  logger: Logger;
  /** The host's one budget of waits (core/timeouts). */
  timeouts: Timeouts;
  restartPolicy?: Partial<RestartPolicy>;
  onStateChange?: (state: PluginState, error: string | undefined) => void;
  onNotify?: (notification: Extract<BridgeMessage, { type: 'notify' }>) => void;
  /** A plugin emitted an event (`ctx.events().emit`). */
  onEvent?: (name: string, payload: unknown) => void;
  hostCalls?: HostCalls;
  /** The plugin host said something its plugin's permissions cannot explain (audited by the host). */
  onViolation?: (reason: string) => void;
  /** The plugin host ended (its sandboxed programs go with it). */
  onHostGone?: () => void;
  /** Main's side of the egress proxy, for a plugin with a network permission (see core/egress). */
  egress?: EgressSide;
  /** The grant view: what its supervisor mounts, and what main decides for it. */
  view?: ViewSide;
}

/**
 * The plugin's grant view (design §8.1), as main keeps it: the grants to mount now, and main's
 * decision on a call that names a path outside the view.
 */
export interface ViewSide {
  state(): { grants: ViewGrant[]; ask: ViewAsk };
  /** Allowed "this time" only: `once` is mounted until the commands the plugin is running have ended. */
  decide(request: ViewAccessRequest): Promise<{ allow: boolean; once?: ViewGrant }>;
  /** Where the plugin's programs' shims go and the real files, read at each start (approvals may have changed). */
  programs(): { shims: string[]; programs: string[]; searchPath: string };
  /** What a program shim's request runs (see processes/program-service). */
  program(request: ProgramRequest, where: { home: string; egressPort: number | undefined }): ProgramDecision;
}

/** Main's side of the egress proxy, bound to this plugin: it takes each connection the plugin's client opens. */
export interface EgressSide {
  accept(client: Socket): void;
}

/** An invoke that failed; `message` is what the panel shows (a PluginError's Display text). */
export class InvokeError extends Error {
  override readonly name = 'InvokeError';
}

interface Pending {
  resolve: (value: RawJson) => void;
  reject: (error: Error) => void;
  deadline: Deadline;
  /** The command or step, as errors name it. */
  what: string;
}

/**
 * Supervises the plugin host process of one plugin: starts it, loads the plugin, routes invokes
 * and their results, and turns a crash or a hang into a state and an error instead of a host crash.
 */
export class PluginProcess {
  state: PluginState = 'inactive';
  error: string | undefined;
  sandbox: SandboxStatus = { state: 'not-started' };
  /** What a long start is doing now (building a bridge for the plugin's compiler). */
  progress: string | undefined;
  /** The rustup toolchain that would let the plugin load, when the lack of it is why it does not. */
  toolchainNeeded: string | undefined;
  private starting: Promise<void> | undefined;
  metadata: PluginMetadata | undefined;
  commands: string[] = [];
  private host: HostProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** A permission prompt for this plugin is open. */
  private asking = false;
  private statsWaiters: Array<(s: { rss: number; heapUsed: number }) => void> = [];
  private crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  private onLoaded: ((reply: LoadReply) => void) | undefined;
  /** Waiting for the plugin host's proof (or its failure to prepare). */
  private onProof: ((proof: SandboxProof | Error) => void) | undefined;
  /** The port of the egress proxy's listener main holds for this plugin host: where its programs' network goes. */
  private egressPort: number | undefined;
  /** What the running plugin host's plugin was granted, for checking what it says. */
  private granted: GrantedTypes = new Set();
  /** A grants update is on its way to the supervisor: commands wait for it, so a revocation holds on the next one. */
  private viewSettling: Promise<void> | undefined;
  /** The grants last sent to the running supervisor, so an unchanged view is not sent again. */
  private viewSent: string | undefined;
  /** Grants allowed "this time": mounted until the commands running now (or, if none, the next one) have ended. */
  private transient: ViewGrant[] = [];
  /** A command ran since they were allowed: they end when no command is running any more. */
  private transientArmed = false;

  constructor(private readonly opts: PluginProcessOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.restartPolicy };
  }

  get pid(): number | undefined {
    return this.host?.pid;
  }

  /** Starts the plugin host and loads the plugin; resolves once it is active or in error. */
  start(): Promise<void> {
    this.cancelRestart();
    if (this.host) return Promise.resolve();
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<void> {
    const refused = this.opts.checkLibrary?.();
    if (refused) {
      this.opts.logger.log('error', this.opts.pluginId, refused);
      this.setState('error', refused);
      return;
    }
    this.setState('loading', undefined);
    // A plugin built by another rustc needs a bridge from that compiler: found, or built once, first.
    const lookup = await this.opts.bridge((text) => {
      this.progress = text;
      this.opts.onStateChange?.(this.state, this.error);
    });
    this.progress = undefined;
    if (!lookup.ok) {
      const reason = `plugin ${this.opts.pluginId} cannot load: ${lookup.problem}`;
      this.opts.logger.log('error', this.opts.pluginId, reason);
      this.toolchainNeeded = lookup.toolchain;
      this.setState('error', reason);
      return;
    }
    this.toolchainNeeded = undefined;
    const bridge = lookup.bridge;
    const view = this.viewState();
    const host = this.opts.launcher({
      pluginId: this.opts.pluginId,
      dir: this.opts.dir,
      dataDir: this.opts.dataDir,
      bridge,
      grants: view.grants,
      ask: view.ask,
      view: {
        onAccess: (request) => this.decideAccess(request),
        onUnmounted: (list) => {
          for (const u of list) this.opts.logger.log(u.missing ? 'debug' : 'warn', this.opts.pluginId, `grant view: ${u.path} is not in the sandbox: ${u.why}`);
        },
        onProblem: (message) => this.opts.logger.log('error', this.opts.pluginId, `grant view: ${message}`),
        onHeldOpen: (paths) => {
          if (this.host !== host) return;
          this.opts.logger.log('warn', this.opts.pluginId, `grant view: its plugin host held ${paths.join(', ')} open when the grant was taken away, so it was stopped and is started again`);
          void this.recycle();
        },
        onProgram: (request) => (this.opts.view ? this.opts.view.program(request, { home: PRIVATE_TMP, egressPort: this.egressPort }) : { refusal: 'this host runs no programs' }),
      },
      programs: this.opts.view?.programs() ?? { shims: [], programs: [], searchPath: PROGRAM_PATH.join(':') },
      egress: this.handsOverEgress(),
    });
    this.host = host;
    this.viewSent = JSON.stringify([view.grants, view.ask]);
    return new Promise<void>((settle) => {
      let loaded = false;
      const loadTimer = setTimeout(() => {
        this.fail(host, `plugin ${this.opts.pluginId} did not finish loading within ${this.opts.timeouts.loadMs} ms`);
        settle();
      }, this.opts.timeouts.loadMs);
      host.onStderrLine((line) => this.opts.logger.log('warn', this.opts.pluginId, `plugin host stderr: ${line}`));
      this.onLoaded = (m) => {
        if (loaded) return;
        loaded = true;
        clearTimeout(loadTimer);
        if (m.ok) {
          // The plugin host's word, kept only as far as it is well formed.
          const read = readLoadedPlugin(m.metadata, m.commands);
          if (!read.ok) {
            this.refuse(host, read.reason);
            settle();
            return;
          }
          for (const problem of read.problems) this.opts.logger.log('warn', this.opts.pluginId, problem);
          this.metadata = read.metadata;
          this.commands = read.commands;
          if (!read.metadata.sharedStd) {
            this.opts.logger.log('warn', this.opts.pluginId, 'plugin links its own copy of Rust std: a panic in it ends its plugin host instead of failing one command; build it with RUSTFLAGS="-C prefer-dynamic" to have panics reported as errors');
          }
          this.opts.logger.log('info', this.opts.pluginId, `loaded (rustc ${read.metadata.rustc}, ${read.commands.length} commands)`);
          this.setState('active', undefined);
        } else {
          this.fail(host, String(m.error));
        }
        settle();
      };
      host.onMessage((m) => this.fromHost(host, m));
      host.onExit((exit) => {
        clearTimeout(loadTimer);
        if (this.host !== host) return;
        this.opts.onHostGone?.();
        this.host = undefined;
        const reason = describeExit(exit);
        if (this.state !== 'unloading' && this.state !== 'error') this.crashed(reason);
        this.rejectAll(`plugin ${this.opts.pluginId} stopped: ${this.state === 'unloading' ? 'it was unloaded' : reason}`);
        if (!loaded) settle();
      });
      const context = this.opts.context();
      this.granted = new Set(context.permissions.map((p) => p.type));
      // No plugin code runs before main has judged the plugin host's own report of its walls.
      this.onProof = (proof) => {
        this.onProof = undefined;
        const stop = (reason: string) => {
          clearTimeout(loadTimer);
          this.fail(host, reason);
          settle();
        };
        if (proof instanceof Error) return stop(`plugin ${this.opts.pluginId}'s plugin host could not prepare its sandbox: ${proof.message}`);
        this.sandbox = this.opts.gate.judge(proof, { view: host.lockdown.view });
        if (this.sandbox.state === 'refused') return stop(`plugin ${this.opts.pluginId} is not sandboxed: ${this.sandbox.reason}`);
        if (this.sandbox.state === 'unconfined') this.opts.logger.log('warn', this.opts.pluginId, `running unconfined, as settings.json allows: ${this.sandbox.reason}`);
        // The handover channel is closed once this resolves: the plugin loads with no way to it.
        void host.egressListener().then((listener) => {
          if (this.host !== host) return listener?.close();
          this.serveEgress(host, listener);
          host.send({ type: 'load', library: this.opts.library, pluginId: this.opts.pluginId, dataDir: this.opts.dataDir, network: this.opts.network, hostCallWaitMs: hostCallWaitMs(this.opts.timeouts), ...context });
        });
      };
      host.send({ type: 'prepare', canary: this.opts.gate.canary, writable: host.lockdown.writable, view: host.lockdown.view, executable: host.lockdown.executable, egress: this.handsOverEgress(), lockDown: this.opts.gate.lockDown });
    });
  }

  /** A plugin with a network permission, on a host with an egress proxy, has its plugin host open the proxy's listener. */
  private handsOverEgress(): boolean {
    return this.opts.network && this.opts.egress !== undefined;
  }

  invoke(command: string, args: unknown, timeoutMs = this.opts.timeouts.invokeMs): Promise<unknown> {
    return this.invokeRaw(command, JSON.stringify(args ?? {}), timeoutMs).then((raw) => raw.value());
  }

  /**
   * The same with the arguments as JSON text and the answer as it came (a panel's call, passed on
   * by main unparsed both ways). The bridge refuses arguments that are not JSON.
   */
  invokeRaw(command: string, argsJson: string, timeoutMs = this.opts.timeouts.invokeMs): Promise<RawJson> {
    return this.request(`'${command}'`, timeoutMs, (id) => ({ type: 'invoke', id, command, args: jsonToBytes(argsJson) }));
  }

  /** Runs one workflow step (`execute_workflow_step`) of a type this plugin registered. */
  runStep(typeId: string, config: unknown, timeoutMs = this.opts.timeouts.stepMs): Promise<unknown> {
    if (this.state === 'active' && !this.metadata?.workflowStepTypes.some((t) => t.typeId === typeId)) {
      return Promise.reject(new InvokeError(`Not found: plugin ${this.opts.pluginId} has no workflow step type '${typeId}'`));
    }
    return this.request(`workflow step '${typeId}'`, timeoutMs, (id) => ({ type: 'step', id, stepType: typeId, config: jsonToBytes(JSON.stringify(config ?? {})) })).then((raw) => raw.value());
  }

  /** Sends a command or step and waits for its `result`, restarting a plugin host that does not answer in time. */
  private request(what: string, timeoutMs: number, message: (id: number) => ToPluginHost): Promise<RawJson> {
    const host = this.host;
    if (!host || this.state !== 'active') {
      const why = this.state === 'error' && this.error ? `: ${this.error}` : '';
      return Promise.reject(new InvokeError(`plugin ${this.opts.pluginId} is ${this.state}${why}`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      // The clock stands still while the user is being asked something for this plugin (see holdDeadlines).
      const deadline = new Deadline(
        timeoutMs,
        () => {
          this.pending.delete(id);
          reject(new InvokeError(`plugin ${this.opts.pluginId} did not answer ${what} within ${timeoutMs} ms; its plugin host was restarted`));
          this.opts.logger.log('warn', this.opts.pluginId, `${what} timed out after ${timeoutMs} ms; recycling the plugin host`);
          void this.recycle();
        },
        this.asking,
      );
      this.pending.set(id, { resolve, reject, deadline, what });
      if (this.transient.length > 0) this.transientArmed = true;
      if (!this.viewSettling) host.send(message(id));
      else void this.viewSettling.then(() => this.host === host && this.pending.has(id) && host.send(message(id)));
    });
  }

  /** The grants to mount now: the user's that hold, and those allowed "this time". */
  private viewState(): { grants: ViewGrant[]; ask: ViewAsk } {
    const state = this.opts.view?.state() ?? { grants: [], ask: { read: false, write: false } };
    const transient = this.transient.filter((t) => !state.grants.some((g) => g.path === t.path && (g.write || !t.write)));
    return { ...state, grants: [...state.grants, ...transient] };
  }

  /**
   * Brings the running sandbox's view to the grants of now (a grant given, revoked, narrowed or
   * expired: the grant store announces each, a lapse included); commands sent meanwhile wait until
   * the supervisor has applied it.
   */
  refreshView(): void {
    const link = this.host?.view;
    if (!link) return;
    const state = this.viewState();
    const sent = JSON.stringify([state.grants, state.ask]);
    if (sent === this.viewSent) return;
    this.viewSent = sent;
    const settled = link.setGrants(state.grants, state.ask).finally(() => {
      if (this.viewSettling === settled) this.viewSettling = undefined;
    });
    this.viewSettling = settled;
  }

  private async decideAccess(request: ViewAccessRequest): Promise<boolean> {
    if (!this.opts.view) return false;
    const decision = await this.opts.view.decide(request);
    if (decision.allow && decision.once) this.allowOnce(decision.once);
    return decision.allow;
  }

  /**
   * Mounts a folder or file "this time": for what the plugin is doing now, the commands it is
   * running; when it runs none (an event, its load, a grant made by hand), its next command.
   */
  allowOnce(grant: ViewGrant): void {
    this.transient.push(grant);
    this.transientArmed ||= this.pending.size > 0;
    this.refreshView();
  }

  private endTransient(): void {
    this.transientArmed = false;
    if (this.transient.length === 0) return;
    this.transient = [];
    this.refreshView();
  }

  /**
   * Stops (or restarts) the clocks of this plugin's pending commands: while a permission prompt
   * for it is open, a command waiting on its answer must not time out first (the prompt's own
   * timeout ends as a denial the plugin sees).
   */
  holdDeadlines(asking: boolean): void {
    this.asking = asking;
    for (const p of this.pending.values()) {
      if (asking) p.deadline.pause();
      else p.deadline.resume();
    }
  }

  /** Tells the running plugin its settings changed (the user saved them in a panel). */
  settingsChanged(values: unknown): void {
    if (this.state === 'active') this.host?.send({ type: 'settings-changed', json: JSON.stringify(values) });
  }

  /** Delivers an app event to the plugin's subscriptions. */
  appEvent(event: { type: string; name?: string }, payload: unknown): void {
    if (this.state === 'active') this.host?.send({ type: 'app-event', json: JSON.stringify({ event, payload }) });
  }

  /** The commands and steps waiting for their answer now, as errors name them. */
  running(): string[] {
    return [...this.pending.values()].map((p) => p.what);
  }

  /** Resident memory of the plugin host process, as it reports it. */
  stats(): Promise<{ rss: number; heapUsed: number }> {
    if (!this.host) return Promise.reject(new Error(`plugin ${this.opts.pluginId} has no running plugin host`));
    const host = this.host;
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      host.send({ type: 'stats' });
    });
  }

  /** Calls on_unload, then ends the plugin host (forcefully if it does not end by itself). */
  async stop(graceMs = 3000): Promise<void> {
    this.cancelRestart();
    this.crashes = [];
    const host = this.host;
    if (!host) {
      if (this.state === 'error') this.setState('inactive', undefined);
      return;
    }
    this.setState('unloading', undefined);
    await new Promise<void>((done) => {
      const timer = setTimeout(() => {
        host.kill();
        done();
      }, graceMs);
      host.onExit(() => {
        clearTimeout(timer);
        done();
      });
      host.send({ type: 'unload' });
    });
    this.host = undefined;
    this.setState('inactive', undefined);
  }

  private async recycle(): Promise<void> {
    const host = this.host;
    if (host) {
      this.host = undefined;
      this.opts.onHostGone?.();
      this.setState('unloading', undefined);
      host.kill();
      this.rejectAll(`plugin ${this.opts.pluginId} was restarted`);
    }
    this.setState('inactive', undefined);
    await this.start();
  }

  /** A crash: shown as `error` with its reason, then a restart after a delay, until too many. */
  private crashed(reason: string): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.policy.windowMs), now];
    const n = this.crashes.length;
    if (n >= this.policy.maxCrashes) {
      const final = `${reason} (crashed ${n} times within ${Math.round(this.policy.windowMs / 1000)} s; not restarted again until you restart it)`;
      this.opts.logger.log('error', this.opts.pluginId, final);
      this.setState('error', final);
      return;
    }
    const delay = this.policy.baseDelayMs * 2 ** (n - 1);
    this.opts.logger.log('error', this.opts.pluginId, `${reason}; restarting in ${delay} ms`);
    this.setState('error', reason);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.start();
    }, delay);
    this.restartTimer.unref();
  }

  private cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private fail(host: HostProcess, reason: string): void {
    this.opts.logger.log('error', this.opts.pluginId, reason);
    this.setState('error', reason);
    if (this.host === host) {
      this.host = undefined;
      this.opts.onHostGone?.();
      this.rejectAll(`plugin ${this.opts.pluginId} stopped: ${reason}`);
    }
    host.kill();
  }

  /**
   * A plugin host runs plugin code, so what it says is not trusted: a message that is malformed,
   * unknown, out of turn or not explained by its plugin's permissions stops that plugin host, and
   * nothing it asked for is done.
   */
  private fromHost(host: HostProcess, m: FromPluginHost): void {
    // Whatever a stopped plugin host had already sent after the message that stopped it is ignored.
    if (this.host !== host) return;
    try {
      this.onHostMessage(host, m);
    } catch (e) {
      this.fail(host, `plugin ${this.opts.pluginId}'s plugin host sent a message that cannot be handled (${(e as Error).message}); it was stopped`);
    }
  }

  private refuse(host: HostProcess, reason: string): void {
    if (this.host !== host) return;
    this.opts.onViolation?.(reason);
    this.fail(host, `plugin ${this.opts.pluginId}'s plugin host sent ${reason}; it was stopped`);
  }

  private onHostMessage(host: HostProcess, m: FromPluginHost): void {
    const type = typeof m === 'object' && m !== null ? (m as { type?: unknown }).type : undefined;
    if (type === 'proof' && this.onProof) this.onProof((m as Extract<FromPluginHost, { type: 'proof' }>).proof);
    else if (type === 'loaded' && this.onLoaded && this.onProof === undefined) this.onLoaded(m as LoadReply);
    else if (type === 'outbox' && this.onProof === undefined) {
      const bytes: unknown = (m as { batch?: unknown }).batch;
      if (!(bytes instanceof Uint8Array)) return this.refuse(host, 'a batch that is not bytes');
      const decoded = decodeOutbox(asBuffer(bytes));
      if (!decoded.ok) return this.refuse(host, decoded.problem);
      // Only the control messages are parsed here; results go to whoever waits for them as they came.
      const batch: unknown = decoded.control.length === 2 ? [] : JSON.parse(bytesToJson(decoded.control));
      if (!Array.isArray(batch)) return this.refuse(host, 'a batch that is not a list');
      const messages: BridgeMessage[] = [];
      for (const raw of batch) {
        const checked = checkBridgeMessage(raw, this.granted);
        if (!checked.ok) return this.refuse(host, checked.reason);
        messages.push(checked.message);
      }
      // A POST's body came beside its message, as the bytes the plugin's serde wrote.
      const lie = claimBodies(messages, decoded.bodies);
      if (lie) return this.refuse(host, lie);
      for (const message of messages) {
        this.onBridgeMessage(host, message);
        if (this.host !== host) return;
      }
      for (const r of decoded.results) this.settle(r);
    } else if (type === 'stats') {
      const stats = m as Extract<FromPluginHost, { type: 'stats' }>;
      this.statsWaiters.shift()?.({ rss: Number(stats.rss), heapUsed: Number(stats.heapUsed) });
    } else if (type === 'fatal') {
      const error = String((m as { error?: unknown }).error);
      if (this.onProof) this.onProof(new Error(error));
      else this.opts.logger.log('error', this.opts.pluginId, `plugin host error: ${error}`);
    } else if (type !== 'unloaded') {
      this.refuse(host, `a '${String(type)}' message out of turn`);
    }
  }

  /**
   * Takes the connections of the plugin's own HTTP client on the listener its plugin host handed
   * over, for as long as that plugin host runs; one it was not asked for is closed.
   */
  private serveEgress(host: HostProcess, listener: Server | undefined): void {
    const egress = this.opts.egress;
    this.egressPort = undefined;
    if (!listener) return;
    if (!egress || !this.opts.network) {
      listener.close();
      return;
    }
    this.egressPort = (listener.address() as AddressInfo).port;
    listener.on('connection', (client: Socket) => {
      if (this.host !== host) client.destroy();
      else if (this.granted.has('network_http') || this.granted.has('network_http_domain')) egress.accept(client);
      else client.end(proxyRefusal(403, `plugin ${this.opts.pluginId}'s own HTTP client needs network_http or network_http_domain, which it was not granted`));
    });
    host.onExit(() => listener.close());
  }

  private onBridgeMessage(host: HostProcess, m: BridgeMessage): void {
    const calls = this.opts.hostCalls;
    switch (m.type) {
      case 'loaded':
        this.onLoaded?.(m);
        return;
      case 'event':
        this.opts.onEvent?.(m.name, m.payload);
        return;
      case 'log':
        // The target is always this plugin: a plugin cannot write records under another's name.
        this.opts.logger.log(isLevel(m.level) ? m.level : 'info', this.opts.pluginId, m.message);
        return;
      case 'notify':
        this.opts.onNotify?.(m);
        return;
      case 'http':
      case 'settings': {
        const answer = calls ? hostCall(calls, m) : Promise.resolve({ ok: false, kind: 'permission', message: 'this host does not serve plugins' });
        this.answerHostCall(host, m.id, answer);
        return;
      }
    }
  }

  /** Hands a command's or step's answer to whoever waits for it: the JSON as it came, or the error's text. */
  private settle(r: RawResult): void {
    const p = this.pending.get(r.id);
    if (!p) return; // answered after its timeout: nobody waits any more
    this.pending.delete(r.id);
    p.deadline.clear();
    if (this.pending.size === 0 && this.transientArmed) this.endTransient();
    const text = bytesToJson(r.bytes);
    if (r.ok) p.resolve(new RawJson(text));
    else p.reject(new InvokeError(text));
  }

  /** Sends the answer of a plugin thread's host call back to the plugin host that asked. */
  private answerHostCall(host: HostProcess, id: number, answer: Promise<unknown>): void {
    const failed = (e: Error) => ({ ok: false, kind: 'io', message: `the host could not answer: ${e.message}` });
    void answer.then(
      (reply) => {
        // A recycled plugin host is gone: its waiting thread went with it.
        if (this.host !== host) return;
        // A brokered response's body crosses as the bytes it came in, beside the rest of the answer.
        const body = bodyOf(reply);
        if (body) host.send({ type: 'complete', id, json: jsonToBytes(JSON.stringify({ ...(reply as object), body: undefined, bodyType: body.json ? 'json' : 'text' })), body: body.bytes });
        else host.send({ type: 'complete', id, json: jsonToBytes(JSON.stringify(reply)) });
      },
      (e: Error) => {
        if (this.host === host) host.send({ type: 'complete', id, json: jsonToBytes(JSON.stringify(failed(e))) });
      },
    );
  }

  private rejectAll(reason: string): void {
    for (const [id, p] of this.pending) {
      p.deadline.clear();
      p.reject(new InvokeError(`${p.what} failed: ${reason}`));
      this.pending.delete(id);
    }
    this.transient = [];
    this.transientArmed = false;
  }

  private setState(state: PluginState, error: string | undefined): void {
    this.state = state;
    this.error = error;
    this.opts.onStateChange?.(state, error);
  }
}

function hostCall(calls: HostCalls, m: Extract<BridgeMessage, { type: 'http' | 'settings' }>): Promise<unknown> {
  switch (m.type) {
    case 'http':
      return calls.http(m);
    case 'settings':
      return calls.settings(m);
  }
}

function bodyOf(reply: unknown): HttpBody | undefined {
  const body = typeof reply === 'object' && reply !== null ? (reply as { body?: unknown }).body : undefined;
  return body instanceof HttpBody ? body : undefined;
}
