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
