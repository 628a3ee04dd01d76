/**
 * A timer that can stand still: a plugin command's clock stops while the user is being asked about
 * something it needs, and goes on with the time it had left once the prompt is gone.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private left: number;
  private since = 0;
  private done = false;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
    paused = false,
  ) {
    this.left = ms;
    if (!paused) this.run();
  }

  /** Stops the clock, keeping the time left. */
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.left -= Date.now() - this.since;
  }

  /** Starts the clock again with the time that was left. */
  resume(): void {
    if (!this.timer && !this.done) this.run();
  }

  clear(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.since = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.timer = undefined;
      this.onExpire();
    }, Math.max(0, this.left));
  }
}
