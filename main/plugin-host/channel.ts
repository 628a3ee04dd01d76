import { Socket } from 'node:net';
import { readFrames, writeFrame } from '../core/plugins/frames';
import type { FromPluginHost, ToPluginHost } from '../core/plugins/host-protocol';

/** Electron's utilityProcess gives `process.parentPort`; a Node child process has a socket on fd 3. */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export interface ParentChannel {
  send(message: FromPluginHost): void;
  onMessage(listener: (message: ToPluginHost) => void): void;
  /** Ends this process once what was sent has gone out. */
  closeAndExit(): void;
}

export function connectToParent(): ParentChannel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (l) => port.on('message', (e) => l(e.data as ToPluginHost)),
      closeAndExit: () => setImmediate(() => process.exit(0)),
    };
  }
  // The socket pair main made for this process (see core/plugins/node-launcher), in frames.
  let channel: Socket;
  try {
    channel = new Socket({ fd: 3, readable: true, writable: true });
  } catch {
    throw new Error('the plugin host must be started by HaloForge Host (no channel to its parent on fd 3)');
  }
  // Main is gone (it crashed or was killed without shutting down): nobody can use this plugin any
  // more, and the bridge's wake callback would keep the process alive as an orphan forever.
  channel.on('close', () => process.exit(0));
  channel.on('error', () => process.exit(0));
  const listeners: Array<(message: ToPluginHost) => void> = [];
  readFrames(
    channel,
    (m) => listeners.forEach((l) => l(m as ToPluginHost)),
    // Main wrote it: a frame this host cannot read is a bug, and it ends this process loudly.
    (e) => {
      throw e;
    },
  );
  return {
    // Serialised at once, so the caller may reuse what it passed as soon as this returns.
    send: (m) => writeFrame(channel, m),
    onMessage: (l) => listeners.push(l),
    // 'close' follows once the written frames are flushed, and ends the process.
    closeAndExit: () => channel.end(),
  };
}
