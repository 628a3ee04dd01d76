import type { AuditEntry } from '../main/core/audit/entry';
import { AuditIndex } from '../main/core/audit/records';
import type { Row } from './row';
import { summarize } from './stats';

const LINES = 100_000;

/** A day of a busy host: requests of five plugins to forty hosts, a tenth denied, most with an outcome line. */
function auditLines(): string[] {
  const lines: string[] = [];
  for (let i = 0; lines.length < LINES; i++) {
    const base = { time: new Date(Date.UTC(2026, 11, 1) + i * 800).toISOString(), requestId: `r${i}`, hop: 0, pluginId: `dev.bench.p${i % 5}`, method: 'GET', url: `https://api${i % 40}.example.com/v1/items/${i}?page=${i % 9}`, rule: 'grant', reason: 'the user allowed it' };
    const denied = i % 10 === 0;
    lines.push(JSON.stringify({ ...base, event: 'decision', decision: denied ? 'deny' : 'allow' } satisfies AuditEntry));
    if (!denied) lines.push(JSON.stringify({ ...base, event: 'response', decision: 'allow', status: 200, bytes: 512, durationMs: 12 } satisfies AuditEntry));
  }
  return lines.slice(0, LINES);
}

/**
 * The Network activity view over 100,000 audit lines: building its index (once, on first use)
 * against parsing the lines, and a filtered page (host, decision) against a plain substring scan of
 * the raw lines. The subject's p50 is the time a reviewer waits for a filter to apply.
 */
export async function auditBenchmarks(): Promise<Row[]> {
  const lines = auditLines();
  const parse: number[] = [];
  const build: number[] = [];
  let index = new AuditIndex();
  for (let round = 0; round < 5; round++) {
    let t = performance.now();
    const parsed = lines.map((l) => JSON.parse(l) as AuditEntry);
    parse.push(performance.now() - t);
    t = performance.now();
    index = new AuditIndex();
    for (const e of parsed) index.add(e);
    build.push(performance.now() - t + parse[parse.length - 1]!);
  }
  const scan: number[] = [];
  const filter: number[] = [];
  for (let round = 0; round < 20; round++) {
    const host = `api${round % 40}.example.com`;
    let t = performance.now();
    lines.filter((l) => l.includes(host) && l.includes('"deny"')).slice(0, 100);
    scan.push(performance.now() - t);
    t = performance.now();
    index.query({ host, decision: 'deny' }, 0, 100);
    filter.push(performance.now() - t);
  }
  const [p, b, s, f] = [summarize(parse), summarize(build), summarize(scan), summarize(filter)];
  return [
    { name: `indexing ${LINES.toLocaleString('en')} audit lines (parse + fold)`, baselineName: 'JSON.parse of the lines', subjectP50: b.p50, baselineP50: p.p50, ratioP50: b.p50 / p.p50 },
    { name: `a filtered page of the ${LINES.toLocaleString('en')}-line audit view (host + decision)`, baselineName: 'a substring scan of the raw lines', subjectP50: f.p50, baselineP50: s.p50, ratioP50: f.p50 / s.p50, ratioP99: f.p99 / s.p99 },
  ];
}
