import { textToWire, wireToText } from '../json-bytes';
import type { Logger } from '../log/logger';
import { isLevel } from '../log/filter';
import type { BrokerReply, BrokerRequest } from '../broker/broker';
import type { BridgeMessage, FromPluginHost, LoadReply, LoadRequest, PluginMetadata } from './host-protocol';
import { describeExit, type HostLauncher, type HostProcess } from './launcher';

export type PluginState = 'inactive' | 'loading' | 'active' | 'error' | 'unloading';

/** How a crashed plugin host is brought back: with growing delays, and not forever. */
export interface RestartPolicy {
  /** Crashes within `windowMs` after which the plugin stays in `error`. */
  maxCrashes: number;
  windowMs: number;
  /** Delay before the first restart; each further one doubles it. */
  baseDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 1000 };

export interface PluginProcessOptions {
  pluginId: string;
  library: string;
  dataDir: string;
  bridgePath: string;
  /** Whether the manifest declares a network permission (then `ctx.http()` is `Some`). */
  network: boolean;
  /** The granted permissions, the settings file and its defaults (see LoadRequest). */
  context: () => Pick<LoadRequest, 'permissions' | 'settingsPath' | 'settingsDefaults'>;
  launcher: HostLauncher;
  logger: Logger;
  loadTimeoutMs: number;
  invokeTimeoutMs: number;
  restartPolicy?: Partial<RestartPolicy>;
  onStateChange?: (state: PluginState, error: string | undefined) => void;
  onNotify?: (notification: Extract<BridgeMessage, { type: 'notify' }>) => void;
  /** The bridge decided a filesystem or process access; it goes to the audit trail. */
  onAudit?: (m: Extract<BridgeMessage, { type: 'audit' }>) => void;
  /** The plugin saved its own settings (`ctx.save_settings`). */
  onSettingsSaved?: () => void;
  /** A plugin emitted an event (`ctx.events().emit`). */
  onEvent?: (name: string, payload: unknown) => void;
  /** Decides a plugin's access to a file outside its data folder (first use asks the user). */
  onFileAccess?: (request: { path: string; write: boolean }) => Promise<{ ok: true } | { ok: false; message: string }>;
  /** Sends a plugin's `ctx.http()` request through the broker. */
  onHttp?: (request: Omit<BrokerRequest, 'pluginId'>) => Promise<BrokerReply>;
}

/** An invoke that failed; `message` is what the panel shows (a PluginError's Display text). */
export class InvokeError extends Error {
  override readonly name = 'InvokeError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  command: string;
}

/**
 * Supervises the plugin host process of one plugin: starts it, loads the plugin, routes invokes
 * and their results, and turns a crash or a hang into a state and an error instead of a host crash.
 */
export class PluginProcess {
  state: PluginState = 'inactive';
  error: string | undefined;
  metadata: PluginMetadata | undefined;
  commands: string[] = [];
  private host: HostProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private statsWaiters: Array<(s: { rss: number; heapUsed: number }) => void> = [];
  private crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  private onLoaded: ((reply: LoadReply) => void) | undefined;

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
    this.setState('loading', undefined);
    const host = this.opts.launcher(this.opts.pluginId);
    this.host = host;
    return new Promise<void>((settle) => {
      let loaded = false;
      const loadTimer = setTimeout(() => {
        this.fail(host, `plugin ${this.opts.pluginId} did not finish loading within ${this.opts.loadTimeoutMs} ms`);
        settle();
      }, this.opts.loadTimeoutMs);
      host.onStderrLine((line) => this.opts.logger.log('warn', this.opts.pluginId, `plugin host stderr: ${line}`));
      this.onLoaded = (m) => {
        if (loaded) return;
        loaded = true;
        clearTimeout(loadTimer);
        if (m.ok) {
          this.metadata = m.metadata;
          this.commands = m.commands;
          if (!m.metadata.sharedStd) {
            this.opts.logger.log('warn', this.opts.pluginId, 'plugin links its own copy of Rust std: a panic in it ends its plugin host instead of failing one command; build it with RUSTFLAGS="-C prefer-dynamic" to have panics reported as errors');
          }
          this.opts.logger.log('info', this.opts.pluginId, `loaded (rustc ${m.metadata.rustc}, ${m.commands.length} commands)`);
          this.setState('active', undefined);
        } else {
          this.fail(host, m.error);
        }
        settle();
      };
      host.onMessage((m) => this.fromHost(host, m));
      host.onExit((exit) => {
        clearTimeout(loadTimer);
        if (this.host !== host) return;
        this.host = undefined;
        const reason = describeExit(exit);
        if (this.state !== 'unloading' && this.state !== 'error') this.crashed(reason);
        this.rejectAll(`plugin ${this.opts.pluginId} stopped: ${this.state === 'unloading' ? 'it was unloaded' : reason}`);
        if (!loaded) settle();
      });
      host.send({ type: 'load', bridgePath: this.opts.bridgePath, library: this.opts.library, pluginId: this.opts.pluginId, dataDir: this.opts.dataDir, network: this.opts.network, ...this.opts.context() });
    });
  }

  invoke(command: string, args: unknown, timeoutMs = this.opts.invokeTimeoutMs): Promise<unknown> {
    const host = this.host;
    if (!host || this.state !== 'active') {
      const why = this.state === 'error' && this.error ? `: ${this.error}` : '';
      return Promise.reject(new InvokeError(`plugin ${this.opts.pluginId} is ${this.state}${why}`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new InvokeError(`plugin ${this.opts.pluginId} did not answer '${command}' within ${timeoutMs} ms; its plugin host was restarted`));
        this.opts.logger.log('warn', this.opts.pluginId, `command '${command}' timed out after ${timeoutMs} ms; recycling the plugin host`);
        void this.recycle();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, command });
      host.send({ type: 'invoke', id, command, args: textToWire(JSON.stringify(args ?? {})) });
    });
  }

  /** Tells the running plugin its settings changed (the user saved them in a panel). */
  settingsChanged(values: unknown): void {
    if (this.state === 'active') this.host?.send({ type: 'settings-changed', json: JSON.stringify(values) });
  }

  /** Delivers an app event to the plugin's subscriptions. */
  appEvent(event: { type: string; name?: string }, payload: unknown): void {
    if (this.state === 'active') this.host?.send({ type: 'app-event', json: JSON.stringify({ event, payload }) });
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
    if (this.host === host) this.host = undefined;
    host.kill();
  }

  /**
   * A plugin host runs plugin code, so what it says is not trusted: a message that cannot be
   * handled stops that plugin host, instead of throwing into (and ending) main.
   */
  private fromHost(host: HostProcess, m: FromPluginHost): void {
    try {
      if (m.type === 'loaded') this.onLoaded?.(m);
      else this.onHostMessage(m);
    } catch (e) {
      this.fail(host, `plugin ${this.opts.pluginId}'s plugin host sent a message that cannot be handled (${(e as Error).message}); it was stopped`);
    }
  }

  private onHostMessage(m: FromPluginHost): void {
    if (m.type === 'outbox') {
      for (const message of JSON.parse(wireToText(m.json)) as BridgeMessage[]) this.onBridgeMessage(message);
    } else if (m.type === 'stats') {
      this.statsWaiters.shift()?.({ rss: m.rss, heapUsed: m.heapUsed });
    } else if (m.type === 'fatal') {
      this.opts.logger.log('error', this.opts.pluginId, `plugin host error: ${m.error}`);
    }
  }

  private onBridgeMessage(m: BridgeMessage): void {
    switch (m.type) {
      case 'loaded':
        this.onLoaded?.(m);
        return;
      case 'event':
        this.opts.onEvent?.(m.name, m.payload);
        return;
      case 'audit':
        this.opts.onAudit?.(m);
        return;
      case 'settings-saved':
        this.opts.logger.log('info', this.opts.pluginId, 'settings saved');
        this.opts.onSettingsSaved?.();
        return;
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return; // answered after its timeout: nobody waits any more
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new InvokeError(m.error));
        return;
      }
      case 'log':
        // The target is always this plugin: a plugin cannot write records under another's name.
        this.opts.logger.log(isLevel(m.level) ? m.level : 'info', this.opts.pluginId, m.message);
        return;
      case 'notify':
        this.opts.onNotify?.(m);
        return;
      case 'file': {
        const decide = this.opts.onFileAccess;
        this.answerHostCall(m.id, decide ? decide({ path: m.path, write: m.write }) : Promise.resolve({ ok: false, message: 'this host cannot ask about files' }));
        return;
      }
      case 'http': {
        const onHttp = this.opts.onHttp;
        const answer: Promise<BrokerReply> = onHttp
          ? onHttp({ method: m.method, url: m.url, headers: m.headers, body: m.body })
          : Promise.resolve({ ok: false, kind: 'permission', message: 'this host has no network broker' });
        this.answerHostCall(m.id, answer);
        return;
      }
    }
  }

  /** Sends the answer of a plugin thread's host call back to the plugin host that asked. */
  private answerHostCall(id: number, answer: Promise<unknown>): void {
    const host = this.host;
    const failed = (e: Error) => ({ ok: false, kind: 'network', message: `the host could not answer: ${e.message}` });
    void answer.then(
      (reply) => {
        // A recycled plugin host is gone: its waiting thread went with it.
        if (this.host === host) host?.send({ type: 'complete', id, json: textToWire(JSON.stringify(reply)) });
      },
      (e: Error) => {
        if (this.host === host) host?.send({ type: 'complete', id, json: JSON.stringify(failed(e)) });
      },
    );
  }

  private rejectAll(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new InvokeError(`'${p.command}' failed: ${reason}`));
      this.pending.delete(id);
    }
  }

  private setState(state: PluginState, error: string | undefined): void {
    this.state = state;
    this.error = error;
    this.opts.onStateChange?.(state, error);
  }
}
