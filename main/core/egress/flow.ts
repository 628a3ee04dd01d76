/**
 * Bytes either end of a tunnel (main, or the plugin host's egress proxy) may have sent and not yet
 * had acknowledged; past it, the end stops reading its socket until acknowledgements come back, so
 * neither buffers more than this per tunnel whatever the speed of the other side.
 */
export const TUNNEL_WINDOW = 1024 * 1024;

/**
 * Written bytes are acknowledged in batches of this size, not chunk by chunk: a small request and
 * its answer then cross without any acknowledgement at all, and a sender at its window still gets
 * credit back well before it runs dry.
 */
export const TUNNEL_ACK_EVERY = TUNNEL_WINDOW / 4;

/** Counts bytes written for one tunnel and says when an acknowledgement is due, and of how many. */
export class AckBatch {
  private written = 0;

  /** After `n` more bytes were written: the number to acknowledge now, or 0. */
  wrote(n: number): number {
    this.written += n;
    if (this.written < TUNNEL_ACK_EVERY) return 0;
    const due = this.written;
    this.written = 0;
    return due;
  }
}
