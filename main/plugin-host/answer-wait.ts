/**
 * Decides how long the plugin host waits, asleep, for a command's answer right after starting it
 * (see `hf_bridge_wait_drain`). Quick commands are answered within the wait and skip the wake
 * callback and a turn of the event loop; a command that misses it is not waited for again until it
 * has been called `retryAfter` more times, so slow commands hold the event loop only now and then. Large
 * arguments are never waited for: parsing them alone takes longer than the wait, and the wake is
 * a small part of their cost.
 */
export class AnswerWait {
  private readonly skips = new Map<string, number>();

  constructor(
    readonly budgetMicros = 250,
    private readonly retryAfter = 16,
    private readonly maxArgsLength = 16 * 1024,
  ) {}

  /** Microseconds to wait for `command`'s answer given its arguments' JSON length; 0: do not wait. */
  budgetFor(command: string, argsLength: number): number {
    if (argsLength > this.maxArgsLength) return 0;
    const left = this.skips.get(command);
    if (left === undefined) return this.budgetMicros;
    if (left <= 1) this.skips.delete(command);
    else this.skips.set(command, left - 1);
    return 0;
  }

  /** The answer did not come within the wait. */
  missed(command: string): void {
    this.skips.set(command, this.retryAfter);
  }
}
