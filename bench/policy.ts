import { decide } from '../main/core/policy/engine';
import type { Row } from './row';
import { perCall, summarize } from './stats';

/** A policy decision against parsing the same URL alone (target: ≤ 3×). */
export async function policyBenchmarks(): Promise<Row[]> {
  const urls = Array.from({ length: 256 }, (_, i) => `https://api${i % 7}.example.com:${i % 3 === 0 ? 8443 : 443}/v1/items/${i}?page=${i}`);
  const permissions = [{ type: 'network_http_domain', value: 'api1.example.com' }, { type: 'network_http_domain', value: '*.example.com:8443' }, { type: 'network_http' }];
  // Inputs are built beforehand, as the broker has them: the measure is the decision itself.
  const inputs = urls.map((url) => ({ pluginId: 'dev.bench.p', permissions, grants: [], localNetwork: false, method: 'GET', url, addresses: ['93.184.215.14'] }));
  const parse: number[] = [];
  const decision: number[] = [];
  for (let round = 0; round < 20; round++) {
    parse.push(perCall(5000, (i) => new URL(urls[i % urls.length] as string)));
    decision.push(perCall(5000, (i) => decide(inputs[i % inputs.length] as (typeof inputs)[number])));
  }
  const p = summarize(parse);
  const d = summarize(decision);
  return [{ name: 'policy decision', baselineName: 'URL parse alone', subjectP50: d.p50, baselineP50: p.p50, ratioP50: d.p50 / p.p50, target: { p50: 3 } }];
}
