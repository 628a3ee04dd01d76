/**
 * The narrow door between panels and main: named functions only, each on one `hf:` channel; raw
 * ipcRenderer never leaves this file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENTS, type EventName, type Events } from '../main/core/ipc/channels';
import { makeApi, type Call } from './api';

const call: Call = (channel, args) => ipcRenderer.invoke(channel, ...args);

function subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  if (!EVENTS.includes(event)) throw new Error(`unknown event ${event}`);
  const wrapped = (_e: IpcRendererEvent, payload: Events[E]) => listener(payload);
  ipcRenderer.on(event, wrapped);
  return () => ipcRenderer.removeListener(event, wrapped);
}

// Plugin frames are served by main on a protocol of their own, one host per plugin (main/electron).
// Electron's IPC lives as long as the window: always connected.
const connected = (watcher: (state: 'connected') => void) => {
  watcher('connected');
  return () => undefined;
};
contextBridge.exposeInMainWorld('haloforge', makeApi(call, subscribe, (label) => `hf-plugin://${label}`, connected));
