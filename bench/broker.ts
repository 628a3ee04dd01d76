import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { AuditLog } from '../main/core/audit/log';
import { Broker } from '../main/core/broker/broker';
import { GrantStore } from '../main/core/grants/store';
import { PromptService } from '../main/core/prompts/service';
import { startServerProcess } from './server-process';
import { row, type Row } from './row';
import { compare, summarize } from './stats';

/** A brokered GET on loopback against a direct undici request to the same server. */
export async function brokerBenchmarks(): Promise<Row[]> {
  const server = await startServerProcess();
  const home = mkdtempSync(join(tmpdir(), 'hf-bench-'));
  const grants = new GrantStore(join(home, 'grants.json'));
  grants.setLocalNetwork('dev.bench.p', true);
  const broker = new Broker({
    profileOf: () => ({ name: 'bench', permissions: [{ type: 'network_http_domain', value: `api.bench.test:${server.port}` }] }),
    grants,
    audit: new AuditLog(join(home, 'audit.jsonl')),
    prompts: new PromptService(undefined),
    logger: { log: () => undefined },
    resolver: async () => ['127.0.0.1'],
    // The default of 8 in flight per plugin would refuse most of the burst below.
    limits: { maxConcurrentPerPlugin: 100 },
  });
  const direct = `http://127.0.0.1:${server.port}/json`;
  const brokered = `http://api.bench.test:${server.port}/json`;
  const viaUndici = async () => {
    const r = await request(direct);
    await r.body.json();
  };
  const viaBroker = async () => {
    const r = await broker.fetch({ pluginId: 'dev.bench.p', method: 'GET', url: brokered });
    if (!r.ok) throw new Error(r.message);
  };
  await compare(2, 200, viaUndici, viaBroker);
  const result = await compare(20, 100, viaUndici, viaBroker);
  const burst = async (fn: () => Promise<void>) => {
    const t0 = performance.now();
    const each = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const t = performance.now();
        await fn();
        return performance.now() - t;
      }),
    );
    return { total: performance.now() - t0, each };
  };
  const b = { base: [] as number[], subject: [] as number[], baseTotal: [] as number[], subjectTotal: [] as number[] };
  for (let i = 0; i < 10; i++) {
    const x = await burst(viaUndici);
    const y = await burst(viaBroker);
    b.base.push(...x.each);
    b.subject.push(...y.each);
    b.baseTotal.push(x.total);
    b.subjectTotal.push(y.total);
  }
  const tput = (totals: number[]) => (100 / summarize(totals).p50) * 1000;
  await broker.close();
  server.stop();
  rmSync(home, { recursive: true, force: true });
  return [
    row('brokered GET (loopback)', 'direct undici request', result, { p50: 1.25, p99: 1.5 }),
    row('100 concurrent brokered GETs (per request)', '100 concurrent direct requests', { baseline: summarize(b.base), subject: summarize(b.subject) }),
    {
      name: `100 concurrent brokered GETs: ${tput(b.subjectTotal).toFixed(0)} requests/s`,
      baselineName: `direct: ${tput(b.baseTotal).toFixed(0)} requests/s`,
      subjectP50: summarize(b.subjectTotal).p50,
      baselineP50: summarize(b.baseTotal).p50,
      ratioP50: summarize(b.subjectTotal).p50 / summarize(b.baseTotal).p50,
    },
  ];
}
