import type { PluginSummary } from '../plugins/manager';

/**
 * The one table of what panels may ask of main. Electron IPC and the web host's WebSocket are
 * both carriers of it; every channel is prefixed `hf:`.
 */
export interface Channels {
  'hf:plugins:list': { args: []; result: PluginSummary[] };
  'hf:plugin:invoke': { args: [wireName: string, args: unknown]; result: unknown };
  'hf:plugins:restart': { args: [pluginId: string]; result: PluginSummary };
}

export type ChannelName = keyof Channels;

/** Events main pushes to panels. */
export interface Events {
  'hf:event:plugin-changed': PluginSummary;
  'hf:event:notification': { pluginId: string; title: string; message: string; kind: string };
}

export type EventName = keyof Events;

export const CHANNELS: readonly ChannelName[] = ['hf:plugins:list', 'hf:plugin:invoke', 'hf:plugins:restart'];
export const EVENTS: readonly EventName[] = ['hf:event:plugin-changed', 'hf:event:notification'];
