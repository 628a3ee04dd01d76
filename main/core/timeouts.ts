/**
 * Every wait of the host, in one value built where the host is wired and handed to each layer
 * (style.md, "Budgets and failure policies in one place"), so an inner wait cannot outlive an
 * outer one by accident.
 */
export interface Timeouts {
  /** A plugin command, from the call to its answer; paused while the user is being asked. */
  invokeMs: number;
  /** Starting a plugin host and loading its plugin. */
  loadMs: number;
  /** A permission prompt waits this long for an answer, then counts as a denial. */
  promptMs: number;
  /** One brokered request, redirects included. */
  requestMs: number;
  /** One program run for a plugin (`ctx.process()`). */
  programMs: number;
  /**
   * One workflow step (`execute_workflow_step`): steps pull repositories and render images, so they
   * get far longer than a command; paused while the user is being asked, like a command.
   */
  stepMs: number;
  /** A file dialog a plugin's frame opened waits this long for the user to choose, then counts as cancelled. */
  dialogMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { invokeMs: 60_000, loadMs: 15_000, promptMs: 60_000, requestMs: 30_000, programMs: 50_000, stepMs: 600_000, dialogMs: 300_000 };

/** The defaults with `changes`, refused when an inner wait would outlive the command waiting on it. */
export function timeoutsWith(changes: Partial<Timeouts> = {}): Timeouts {
  const t = { ...DEFAULT_TIMEOUTS, ...changes };
  for (const [name, ms] of Object.entries(t)) if (!Number.isFinite(ms) || ms <= 0) throw new Error(`timeout ${name} must be a positive number of milliseconds, not ${ms}`);
  // A prompt pauses the command's clock, so it may take as long as it likes; what runs inside the
  // command's time may not.
  if (t.requestMs >= t.invokeMs) throw new Error(`a brokered request (${t.requestMs} ms) must end before the command waiting on it (${t.invokeMs} ms)`);
  if (t.programMs >= t.invokeMs) throw new Error(`a program (${t.programMs} ms) must end before the command waiting on it (${t.invokeMs} ms)`);
  if (Math.max(t.requestMs, t.programMs) >= t.stepMs) throw new Error(`a brokered request or program (${Math.max(t.requestMs, t.programMs)} ms) must end before the workflow step waiting on it (${t.stepMs} ms)`);
  return t;
}

/**
 * How long a plugin thread waits for main to answer one host call: the longest main may take to
 * answer (two prompts, for a program's folder and its network, and the work itself), and a
 * margin. Main always answers within that, so the plugin's own wait only ever ends a call whose
 * answer was lost with a plugin host that is going away anyway.
 */
export function hostCallWaitMs(t: Timeouts): number {
  return 2 * t.promptMs + Math.max(t.requestMs, t.programMs) + 30_000;
}
