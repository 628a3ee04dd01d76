import type { FromPluginHost, ToPluginHost } from '../core/plugins/host-protocol';

/** Electron's utilityProcess gives `process.parentPort`; a Node child process gives `process.send`. */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export interface ParentChannel {
  send(message: FromPluginHost): void;
  onMessage(listener: (message: ToPluginHost) => void): void;
}

export function connectToParent(): ParentChannel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (l) => port.on('message', (e) => l(e.data as ToPluginHost)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the plugin host must be started by HaloForge Host (no IPC channel to its parent)');
  // Main is gone (it crashed or was killed without shutting down): nobody can use this plugin any
  // more, and the bridge's wake callback would keep the process alive as an orphan forever.
  process.once('disconnect', () => process.exit(0));
  return {
    send: (m) => void send(m),
    onMessage: (l) => process.on('message', (m) => l(m as ToPluginHost)),
  };
}
