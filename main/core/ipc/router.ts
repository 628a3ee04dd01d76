import type { PluginManager } from '../plugins/manager';
import { CHANNELS, type ChannelName, type Channels } from './channels';

/** A refusal the caller can read; nothing about it is secret. */
export class IpcRefusal extends Error {
  override readonly name = 'IpcRefusal';
}

const MAX_ARGS_BYTES = 8 * 1024 * 1024;

function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && (CHANNELS as readonly string[]).includes(name);
}

function expectString(value: unknown, what: string, max = 512): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new IpcRefusal(`${what} must be a non-empty string of at most ${max} characters`);
  return value;
}

/**
 * Checks the shape of every message before it reaches the core, then runs it. Who sent it has
 * already been checked by the carrier (frame for Electron, token and origin for the web host).
 */
export function createRouter(plugins: PluginManager) {
  const handlers: { [K in ChannelName]: (...args: unknown[]) => Promise<Channels[K]['result']> } = {
    'hf:plugins:list': async () => plugins.list(),
    'hf:plugin:invoke': async (wire, args) => {
      const name = expectString(wire, 'the wire name');
      if (!/^plugin_[A-Za-z0-9_]+$/.test(name)) throw new IpcRefusal(`'${name}' is not a plugin wire name (plugin_<id>_<command>)`);
      return plugins.invokeWire(name, args ?? {});
    },
    'hf:plugins:restart': async (pluginId) => plugins.restart(expectString(pluginId, 'the plugin id')),
  };

  return async function dispatch(channel: unknown, args: unknown): Promise<unknown> {
    if (!isChannel(channel)) throw new IpcRefusal(`unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}`);
    if (!Array.isArray(args)) throw new IpcRefusal(`arguments of ${channel} must be an array`);
    if (JSON.stringify(args).length > MAX_ARGS_BYTES) throw new IpcRefusal(`arguments of ${channel} exceed ${MAX_ARGS_BYTES} bytes`);
    return handlers[channel](...(args as unknown[]));
  };
}

export type Dispatch = ReturnType<typeof createRouter>;
