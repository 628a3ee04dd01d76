/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, because the
 * machines are shared and noisy. Prints a table and writes bench/results.json. `npm run bench --
 * broker invoke` runs only the groups named.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditBenchmarks } from './audit';
import { brokerBenchmarks } from './broker';
import { egressBenchmarks } from './egress';
import { invokeBenchmarks } from './invoke';
import { policyBenchmarks } from './policy';
import { programBenchmarks } from './programs';
import { peerBenchmarks } from './peer';
import { scaleBenchmarks } from './scale';
import { viewBenchmarks } from './view';
import type { Row } from './row';

const groups: Record<string, () => Promise<Row[]>> = { policy: policyBenchmarks, audit: auditBenchmarks, broker: brokerBenchmarks, egress: egressBenchmarks, invoke: invokeBenchmarks, view: viewBenchmarks, programs: programBenchmarks, scale: scaleBenchmarks, peer: peerBenchmarks };
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in groups));
if (unknown.length > 0) {
  console.error(`no benchmark group ${unknown.join(', ')}; the groups are ${Object.keys(groups).join(', ')}`);
  process.exit(2);
}
const rows: Row[] = [];
for (const [name, group] of Object.entries(groups)) {
  if (asked.length > 0 && !asked.includes(name)) continue;
  const got = await group();
  rows.push(...got);
  // Each group's rows as soon as they are known, so a later failure loses nothing measured.
  console.log(`${name}: ${got.map((r) => `${r.name} ${r.ratioP50.toFixed(2)}×`).join('; ')}`);
}

const fmt = (v: number, unit: Row['unit'] = 'ms') =>
  unit === 'bytes' ? `${(v / 2 ** 20).toFixed(1)} MiB` : v < 0.01 ? `${(v * 1000).toFixed(2)} µs` : `${v.toFixed(3)} ms`;
console.log('\nHaloForge Host benchmarks (ratios against a baseline measured in the same run)\n');
console.log(['measure', 'subject p50', 'baseline p50', 'ratio p50', 'ratio p99', 'target'].join(' | '));
console.log('---|---|---|---|---|---');
for (const r of rows) {
  const p99 = r.ratioP99 === undefined ? '—' : `${r.ratioP99.toFixed(2)}×`;
  const verdict = r.target === undefined ? '' : `${r.ratioP50 <= r.target.p50 && (r.target.p99 === undefined || (r.ratioP99 ?? 0) <= r.target.p99) ? 'met' : 'MISSED'} (≤ ${r.target.p50}×${r.target.p99 ? ` p50, ≤ ${r.target.p99}× p99` : ''})`;
  console.log([`${r.name} vs ${r.baselineName}`, fmt(r.subjectP50, r.unit), fmt(r.baselineP50, r.unit), `${r.ratioP50.toFixed(2)}×`, p99, verdict].join(' | '));
}
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify({ time: new Date().toISOString(), rows }, null, 2)}\n`);
console.log('\nwritten to bench/results.json');
process.exit(0);
