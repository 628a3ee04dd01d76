import { FrameReader, MAX_FRAME_BYTES, encodeFrame } from '../core/plugins/frames';
import type { FromPluginHost, ToPluginHost } from '../core/plugins/host-protocol';
import type { NativeBridge } from './native-bridge';

/** Under this size a frame's pieces go to the bridge as one copy; over it, each as it is. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The channel to main, in frames (see core/plugins/frames), which the host bridge reads and
 * writes on this thread (native/host-bridge/src/channel.rs): no Node socket, whose stream stack
 * alone cost every plugin host's start about 2 ms. This process does nothing but answer main, so
 * it waits in the bridge for main's next message while the bridge writes its own.
 */
export class ParentChannel {
  private readonly reader = new FrameReader(MAX_FRAME_BYTES);
  private readonly read: ToPluginHost[] = [];
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);

  constructor(private readonly bridge: NativeBridge) {}

  /** Main's next message, once it comes. Ends this process when main has gone. */
  next(): ToPluginHost {
    for (;;) {
      const message = this.read.shift();
      if (message !== undefined) return message;
      const missing = this.reader.missing();
      if (missing > CHUNK_BYTES) {
        // The rest of a large frame, into one buffer of its own: no copy, and no chunks to join.
        const rest = Buffer.allocUnsafe(missing);
        for (let filled = 0; filled < missing; ) filled += this.readInto(rest.subarray(filled));
        this.take(rest);
      } else {
        const n = this.readInto(this.chunk);
        this.take(Buffer.from(this.chunk.subarray(0, n)));
      }
    }
  }

  send(message: FromPluginHost): void {
    const pieces = encodeFrame(message);
    const total = pieces.reduce((n, p) => n + p.length, 0);
    for (const piece of total < CHUNK_BYTES ? [Buffer.concat(pieces, total)] : pieces) {
      const rc = this.bridge.send(piece);
      // Main is gone (or its end broke): nobody can use this plugin any more.
      if (rc !== 0) process.exit(0);
    }
  }

  private readInto(into: Buffer): number {
    const n = this.bridge.next(into);
    // Main is gone (it crashed or was killed without shutting down): nobody can use this plugin.
    if (n === 0) process.exit(0);
    if (n < 0) throw new Error(`the plugin host cannot read its channel to main (errno ${-n})`);
    return n;
  }

  private take(bytes: Buffer): void {
    // Main wrote it: a frame this host cannot read is a bug, and it ends this process loudly.
    this.read.push(...(this.reader.push(bytes) as ToPluginHost[]));
  }
}
