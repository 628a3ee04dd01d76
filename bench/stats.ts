/** Timing helpers for the benchmarks: percentiles of repeated samples, in milliseconds. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

/** Runs `fn` `n` times in sequence and returns each duration. */
export async function timeEach(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * Measures a subject against its baseline in interleaved rounds, so that whatever else the shared
 * machine does hits both alike.
 */
export async function compare(
  rounds: number,
  perRound: number,
  baseline: (i: number) => Promise<unknown> | unknown,
  subject: (i: number) => Promise<unknown> | unknown,
): Promise<{ baseline: Summary; subject: Summary }> {
  const b: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push(...(await timeEach(perRound, baseline)));
    s.push(...(await timeEach(perRound, subject)));
  }
  return { baseline: summarize(b), subject: summarize(s) };
}

/** Per-call time of a tight synchronous loop, for costs too small to time one at a time. */
export function perCall(iterations: number, fn: (i: number) => unknown): number {
  const t = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return (performance.now() - t) / iterations;
}

/**
 * Fires `size` calls of `fn` at once, `rounds` times, interleaved with the same bursts of the
 * baseline. Returns per-call latencies and whole-burst durations of both.
 */
export async function compareBursts(
  rounds: number,
  size: number,
  baseline: () => Promise<unknown>,
  subject: () => Promise<unknown>,
): Promise<{ calls: { baseline: Summary; subject: Summary }; bursts: { baseline: Summary; subject: Summary } }> {
  const burst = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    const each = await Promise.all(
      Array.from({ length: size }, async () => {
        const t = performance.now();
        await fn();
        return performance.now() - t;
      }),
    );
    return { total: performance.now() - t0, each };
  };
  const calls = { baseline: [] as number[], subject: [] as number[] };
  const totals = { baseline: [] as number[], subject: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    for (const [key, fn] of [['baseline', baseline], ['subject', subject]] as const) {
      const r = await burst(fn);
      calls[key].push(...r.each);
      totals[key].push(r.total);
    }
  }
  return {
    calls: { baseline: summarize(calls.baseline), subject: summarize(calls.subject) },
    bursts: { baseline: summarize(totals.baseline), subject: summarize(totals.subject) },
  };
}
