import { Socket } from 'node:net';
import { readFrames, writeFrame } from '../core/plugins/frames';
import type { FromPluginHost, ToPluginHost } from '../core/plugins/host-protocol';

export interface ParentChannel {
  send(message: FromPluginHost): void;
  onMessage(listener: (message: ToPluginHost) => void): void;
  /** Ends this process once what was sent has gone out. */
  closeAndExit(): void;
}

/** The socket pair main made for this process on fd 3 (see core/plugins/host-launcher), in frames. */
export function connectToParent(): ParentChannel {
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
