/**
 * The narrow door between panels and main: named functions only, each on one `hf:` channel; raw
 * ipcRenderer never leaves this file.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { EVENTS } from '../main/core/ipc/channels';
import { wireName } from '../main/core/wire';
import type { HaloForgeApi } from './api';

const api: HaloForgeApi = {
  listPlugins: () => ipcRenderer.invoke('hf:plugins:list'),
  invokePlugin: (pluginId, command, args) => ipcRenderer.invoke('hf:plugin:invoke', wireName(pluginId, command), args ?? {}),
  restartPlugin: (pluginId) => ipcRenderer.invoke('hf:plugins:restart', pluginId),
  on: (event, listener) => {
    if (!EVENTS.includes(event)) throw new Error(`unknown event ${event}`);
    const wrapped = (_e: unknown, payload: never) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
};

contextBridge.exposeInMainWorld('haloforge', api);
