import type { Events } from '../main/core/ipc/channels';
import type { PluginSummary } from '../main/core/plugins/manager';

export type { PluginSummary };

/**
 * What panels get as `window.haloforge`: from the preload under Electron, from the web bridge in
 * the web host. Declared once; both implement exactly this.
 */
export interface HaloForgeApi {
  listPlugins(): Promise<PluginSummary[]>;
  /** Calls a plugin command by its short name; the wire name is built in one place (main/core/wire). */
  invokePlugin(pluginId: string, command: string, args?: unknown): Promise<unknown>;
  restartPlugin(pluginId: string): Promise<PluginSummary>;
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void;
}
