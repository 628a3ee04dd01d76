import type { SandboxProof } from '../sandbox/proof';
import type { PluginMetadata } from './summary-types';

// Messages between main and a plugin host process, in our frames (see ./frames): JSON values, and
// byte arrays as top-level fields only.

/** The socket pair between main and a plugin host that carries our frames (see ./frames). */
export const CHANNEL_FD = 3;

/**
 * Node's IPC channel between main and a plugin host (not our frames): it carries one message, the
 * egress proxy's listening socket, before the plugin loads, and is closed from both ends then.
 */
export const HANDOVER_FD = 5;

/**
 * The first message to a new plugin host: open the bridge, look at its own process, raise its own
 * walls (seccomp, Landlock), and report all of it as a `proof` before any plugin code is loaded.
 */
export interface PrepareRequest {
  type: 'prepare';
  /** A file main planted outside the sandbox's view: seeing it means the view is not what it should be. */
  canary: string;
  /** Where Landlock lets the plugin host write (below them, what its view mounted read-write). */
  writable: string[];
  /** Its supervisor waits for the grant view's listener (on the descriptor `HALOFORGE_VIEW_FD` names). */
  view: boolean;
  /** What Landlock lets it execute: the program shims (design §8.1); nothing when empty. */
  executable: string[];
  /**
   * The plugin holds a network permission: the plugin host opens the egress proxy's listening
   * socket on its sandbox's loopback, hands it to main (HANDOVER_FD) and points the proxy variables
   * at it, its own HTTP client's only way out.
   */
  egress: boolean;
  /** Install seccomp and Landlock: always, but for a host whose sandbox was turned off for a comparison. */
  lockDown: boolean;
}

export interface LoadRequest {
  type: 'load';
  library: string;
  pluginId: string;
  dataDir: string;
  /** The manifest declares network_http or network_http_domain, so `ctx.http()` is `Some`. */
  network: boolean;
  /** The permissions the user granted, for the services that check them (db, events). */
  permissions: Array<{ type: string; value?: unknown }>;
  /** The plugin's current settings: the saved values over the defaults of its settings_schema. */
  settings: Record<string, unknown>;
  /** How long a plugin thread waits for main to answer a host call (core/timeouts). */
  hostCallWaitMs: number;
}

export interface InvokeRequest {
  type: 'invoke';
  id: number;
  command: string;
  /** Arguments as JSON (see core/json-bytes), which the host hands to the bridge without parsing. */
  args: Uint8Array;
}

/** A workflow step: the plugin's `execute_workflow_step`, answered by a `result` like a command. */
export interface StepRequest {
  type: 'step';
  id: number;
  /** The type id the plugin registered, without its plugin id. */
  stepType: string;
  config: Uint8Array;
}

/** The answer to a plugin thread's host call (`ctx.http()`, `ctx.process()`, saving settings), as JSON. */
export interface CompleteRequest {
  type: 'complete';
  id: number;
  json: Uint8Array;
  /** A brokered response's body, as it came off the wire; `json` then says its `bodyType`. */
  body?: Uint8Array;
}

export type ToPluginHost =
  | PrepareRequest
  | LoadRequest
  | InvokeRequest
  | StepRequest
  | CompleteRequest
  /** The user saved the plugin's settings in a panel: call on_settings_changed with them. */
  | { type: 'settings-changed'; json: string }
  /** An app event (`{event: {type, …}, payload}`) for the plugin's subscriptions. */
  | { type: 'app-event'; json: string }
  | { type: 'stats' }
  | { type: 'unload' };

export type LoadReply =
  | { type: 'loaded'; ok: true; metadata: PluginMetadata; commands: string[] }
  | { type: 'loaded'; ok: false; code: string; error: string };

export type FromPluginHost =
  /** The answer to `prepare`: what the plugin host found and enforced, for main to judge. */
  | { type: 'proof'; proof: SandboxProof }
  | LoadReply
  /** A batch the bridge drained: control messages as JSON, results as they were written (see outbox-format). */
  | { type: 'outbox'; batch: Uint8Array }
  | { type: 'stats'; rss: number; heapUsed: number }
  | { type: 'unloaded'; ok: boolean; error?: string }
  | { type: 'fatal'; error: string };

/** What the bridge queues for the host (see native/host-bridge/src/outbox.rs). */
export type BridgeMessage =
  | (LoadReply & { type: 'loaded' })
  | { type: 'log'; target: string; level: string; message: string }
  /** `body`: a POST's JSON as the plugin's serde wrote it, sent beside the message (see outbox-format). */
  | { type: 'http'; id: number; method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: Uint8Array }
  | { type: 'event'; target: string; name: string; payload: unknown }
  /** `ctx.save_settings()`: main validates and keeps the values. */
  | { type: 'settings'; id: number; values: Record<string, unknown> }
  | { type: 'notify'; target: string; notification: { title: string; message: string; kind: string; duration_ms?: number | null } };
