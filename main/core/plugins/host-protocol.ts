import type { JsonWire } from '../json-bytes';

/**
 * Messages between main and a plugin host process. Plain values and byte arrays only, which both
 * our frames (V8 serialization, see ./frames) and Electron's structured clone carry, so the same
 * table serves a Node child process (web mode, CLI) and an Electron utilityProcess.
 */
export interface LoadRequest {
  type: 'load';
  bridgePath: string;
  library: string;
  pluginId: string;
  dataDir: string;
  /** The manifest declares network_http or network_http_domain, so `ctx.http()` is `Some`. */
  network: boolean;
  /** The permissions the user granted, for the services that check them (db, events). */
  permissions: Array<{ type: string; value?: unknown }>;
  /** The plugin's settings file (kept by the host) and the defaults of its settings_schema. */
  settingsPath: string;
  settingsDefaults: Record<string, unknown>;
}

export interface InvokeRequest {
  type: 'invoke';
  id: number;
  command: string;
  /** Arguments as JSON (see core/json-bytes), which the host hands to the bridge without parsing. */
  args: JsonWire;
}

/** The answer to a plugin thread's host call (`ctx.http()`, a file prompt), as JSON. */
export interface CompleteRequest {
  type: 'complete';
  id: number;
  json: JsonWire;
}

export type ToPluginHost =
  | LoadRequest
  | InvokeRequest
  | CompleteRequest
  /** The user saved the plugin's settings in a panel: call on_settings_changed with them. */
  | { type: 'settings-changed'; json: string }
  /** An app event (`{event: {type, …}, payload}`) for the plugin's subscriptions. */
  | { type: 'app-event'; json: string }
  | { type: 'stats' }
  | { type: 'unload' };

export interface PluginMetadata {
  id: string;
  name: string;
  version: string;
  description: string;
  author: string;
  abiVersion: number;
  rustc: string;
  sharedStd: boolean;
  workflowStepTypes: string[];
}

export type LoadReply =
  | { type: 'loaded'; ok: true; metadata: PluginMetadata; commands: string[] }
  | { type: 'loaded'; ok: false; code: string; error: string };

export type FromPluginHost =
  | LoadReply
  /** A batch of bridge messages (results, logs, notifications): the JSON array it drained. */
  | { type: 'outbox'; json: JsonWire }
  | { type: 'stats'; rss: number; heapUsed: number }
  | { type: 'unloaded'; ok: boolean; error?: string }
  | { type: 'fatal'; error: string };

/** What the bridge queues for the host (see native/host-bridge/src/outbox.rs). */
export type BridgeMessage =
  | (LoadReply & { type: 'loaded' })
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; target: string; level: string; message: string }
  | { type: 'http'; id: number; method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body: unknown }
  | { type: 'event'; target: string; name: string; payload: unknown }
  /** A plugin wants a file outside its data folder under filesystem_read/filesystem_write. */
  | { type: 'file'; id: number; path: string; write: boolean }
  | { type: 'settings-saved'; target: string }
  /** A filesystem or process access the bridge decided (`ctx.fs()`, `ctx.process()`). */
  | { type: 'audit'; target: string; kind: 'filesystem' | 'process'; subject: string; decision: 'allow' | 'deny'; rule: string; reason: string }
  | { type: 'notify'; target: string; notification: { title: string; message: string; kind: string; duration_ms?: number | null } };
