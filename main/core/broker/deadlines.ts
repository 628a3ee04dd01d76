/** Something that can be torn down when its time is up: a response body being read. */
export interface Stoppable {
  destroy(error: Error): void;
}

/** The error a stopped body fails with, so the reader can tell a deadline from a broken connection. */
export class DeadlinePassed extends Error {}

/**
 * Whole-request deadlines for response bodies, enforced by one timer for all of them. undici's own
 * body timeout only bounds the gap between two chunks (a server dripping a byte at a time never
 * trips it), and a timer or AbortSignal per request costs a noticeable share of a loopback request.
 */
export class Deadlines {
  private readonly due = new Map<Stoppable, number>();
  private timer: NodeJS.Timeout | undefined;

  /** @param everyMs how often to look; a body is stopped at most this late. */
  constructor(private readonly everyMs: number) {}

  watch(body: Stoppable, at: number): void {
    this.due.set(body, at);
    this.timer ??= setInterval(() => this.sweep(), this.everyMs).unref();
  }

  forget(body: Stoppable): void {
    this.due.delete(body);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.due.clear();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [body, at] of this.due) {
      if (now < at) continue;
      this.due.delete(body);
      body.destroy(new DeadlinePassed());
    }
  }
}
