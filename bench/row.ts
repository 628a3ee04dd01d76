import type { Summary } from './stats';

/** One line of the benchmark table. */
export interface Row {
  name: string;
  baselineName: string;
  subjectP50: number;
  baselineP50: number;
  ratioP50: number;
  ratioP99?: number;
  target?: { p50: number; p99?: number };
  /** Milliseconds unless said otherwise. */
  unit?: 'ms' | 'bytes';
}

export function row(name: string, baselineName: string, r: { baseline: Summary; subject: Summary }, target?: Row['target']): Row {
  return {
    name,
    baselineName,
    subjectP50: r.subject.p50,
    baselineP50: r.baseline.p50,
    ratioP50: r.subject.p50 / r.baseline.p50,
    ratioP99: r.subject.p99 / r.baseline.p99,
    target,
  };
}

/** Two rows for a burst comparison: per-call latency, and throughput of whole bursts. */
export function burstRows(what: string, baselineWhat: string, unit: string, size: number, r: { calls: { baseline: Summary; subject: Summary }; bursts: { baseline: Summary; subject: Summary } }): Row[] {
  const rate = (s: Summary) => ((size / s.p50) * 1000).toFixed(0);
  return [
    row(`${size} concurrent ${what} (per call)`, `${size} concurrent ${baselineWhat}`, r.calls),
    {
      name: `${size} concurrent ${what}: ${rate(r.bursts.subject)} ${unit}/s`,
      baselineName: `${baselineWhat}: ${rate(r.bursts.baseline)} ${unit}/s`,
      subjectP50: r.bursts.subject.p50,
      baselineP50: r.bursts.baseline.p50,
      ratioP50: r.bursts.subject.p50 / r.bursts.baseline.p50,
    },
  ];
}
