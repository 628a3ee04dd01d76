import type { Server } from 'node:net';
import type { ViewAsk, ViewGrant } from '../sandbox/grant-view';
import type { SupervisorHooks } from '../sandbox/supervisor-link';
import type { FromPluginHost, ToPluginHost } from './host-protocol';

export interface HostExit {
  code: number | null;
  signal: string | null;
  /** The last lines the process wrote to stderr, for the error a user sees. */
  stderrTail: string;
  /**
   * Why main stopped it, when main did. Kept apart from the tail: a host that is being killed can
   * still write to stderr until the signal lands (plugin code runs there), and those lines must not
   * push main's reason out of what the user reads.
   */
  stoppedBecause?: string;
}

/** A started plugin host process. */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ToPluginHost): void;
  onMessage(listener: (message: FromPluginHost) => void): void;
  onStderrLine(listener: (line: string) => void): void;
  onExit(listener: (exit: HostExit) => void): void;
  kill(): void;
  /** What the plugin host's lockdown is told: where it may write, whether its path calls go to a supervisor, what it may execute (the shims). */
  readonly lockdown: { writable: string[]; view: boolean; executable: string[] };
  /** The grant view's supervisor, when the plugin host runs in one (see core/sandbox/grant-view). */
  readonly view?: { setGrants(grants: ViewGrant[], ask: ViewAsk): Promise<void> };
  /** The egress proxy's listening socket in the plugin host's network namespace, once it handed it over (undefined if it did not). */
  egressListener(): Promise<Server | undefined>;
}

/** The plugin a plugin host is started for: its folder (read-only to it) and data folder (read-write). */
export interface LaunchTarget {
  pluginId: string;
  dir: string;
  dataDir: string;
  /** The host bridge for this plugin's compiler and the Rust std it links (both read-only in the sandbox). */
  bridge: { path: string; stdDir: string | undefined };
  /** The user's grants of now (mounted from the start) and what the plugin may be asked about. */
  grants: ViewGrant[];
  ask: ViewAsk;
  /** What main does when the plugin's call names a path outside its view, or its shim asks to run a program. */
  view: SupervisorHooks;
  /** Where the plugin's whitelisted programs' names find their shims, their real files, and the PATH they are found on. */
  programs: { shims: string[]; programs: string[]; searchPath: string };
  /**
   * Whether the plugin host opens an egress proxy listener and hands it to main (a plugin with a
   * network permission): only then does it get the channel that carries it (HANDOVER_FD).
   */
  egress: boolean;
}

export type HostLauncher = (target: LaunchTarget) => HostProcess;

const SIGNAL_MEANING: Record<string, string> = {
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic fault',
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
};

/** Says in words why a plugin host ended. */
export function describeExit(exit: HostExit): string {
  if (exit.stoppedBecause) return `plugin host ${exit.stoppedBecause}`;
  const how = exit.signal
    ? `was killed by ${exit.signal}${SIGNAL_MEANING[exit.signal] ? ` (${SIGNAL_MEANING[exit.signal]})` : ''}`
    : `exited with code ${String(exit.code)}`;
  const tail = exit.stderrTail.trim();
  return `plugin host ${how}${tail ? `: ${tail.split('\n').slice(-3).join(' | ')}` : ''}`;
}
