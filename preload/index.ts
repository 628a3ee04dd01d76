/**
 * The narrow door between panels and main: named functions only, each on one `hf:` channel; raw
 * ipcRenderer never leaves this file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENTS, type EventName, type Events } from '../main/core/ipc/channels';
import { wireName } from '../main/core/wire';
import type { HaloForgeApi } from './api';

const api: HaloForgeApi = {
  listPlugins: () => ipcRenderer.invoke('hf:plugins:list'),
  invokePlugin: (pluginId, command, args) => ipcRenderer.invoke('hf:plugin:invoke', wireName(pluginId, command), args ?? {}),
  restartPlugin: (pluginId) => ipcRenderer.invoke('hf:plugins:restart', pluginId),
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
    if (!EVENTS.includes(event)) throw new Error(`unknown event ${event}`);
    const wrapped = (_e: IpcRendererEvent, payload: Events[E]) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
};

contextBridge.exposeInMainWorld('haloforge', api);
