import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch, request } from 'undici';
import { AuditLog } from '../main/core/audit/log';
import { Broker } from '../main/core/broker/broker';
import { GrantStore } from '../main/core/grants/store';
import { PromptService } from '../main/core/prompts/service';
import { startServerProcess } from './server-process';
import { burstRows, row, type Row } from './row';
import { compare, compareBursts } from './stats';

/**
 * A brokered GET on loopback against a direct undici fetch to the same server (the baseline issue 4
 * names), and against undici's leaner `request` (the call the broker itself makes), which leaves
 * only the broker's own work in the ratio.
 */
export async function brokerBenchmarks(): Promise<Row[]> {
  const server = await startServerProcess();
  const home = mkdtempSync(join(tmpdir(), 'hf-bench-'));
  const grants = new GrantStore(join(home, 'grants.json'));
  const broker = new Broker({
    // The server is on loopback: the plugin's local network toggle is on.
    authorityOf: () => ({ name: 'bench', permissions: [{ type: 'network_http_domain', value: `api.bench.test:${server.port}` }], grants: { network: [], files: [], programs: [] }, localNetwork: true }),
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
  const viaFetch = async () => {
    const r = await fetch(direct);
    await r.json();
  };
  const viaUndici = async () => {
    const r = await request(direct);
    await r.body.json();
  };
  const viaBroker = async () => {
    const r = await broker.fetch({ pluginId: 'dev.bench.p', method: 'GET', url: brokered });
    if (!r.ok) throw new Error(r.message);
  };
  // Floor (b): the broker's own call plus the audit lines it must write for a GET (its decision
  // before sending, its outcome after), to a descriptor opened once, as the audit log keeps it.
  const floorFd = openSync(join(home, 'floor.jsonl'), 'a');
  const line = (event: string) =>
    `${JSON.stringify({ time: new Date().toISOString(), requestId: '6f1c0d5e-8a0b-4f5e-9a57-2b8d1e7c9f30', hop: 0, event, pluginId: 'dev.bench.p', method: 'GET', url: brokered, decision: 'allow', rule: 'domain', reason: `api.bench.test:${server.port} is in the plugin's network_http_domain scope`, ...(event === 'response' ? { status: 200, bytes: 17, durationMs: 0.2 } : {}) })}\n`;
  const floorB = async () => {
    writeSync(floorFd, line('decision'));
    const r = await request(direct);
    await r.body.json();
    writeSync(floorFd, line('response'));
  };
  await compare(2, 200, viaUndici, viaBroker);
  await compare(1, 200, viaFetch, viaBroker);
  const againstFetch = await compare(20, 100, viaFetch, viaBroker);
  const againstRequest = await compare(20, 100, viaUndici, viaBroker);
  // Call by call in turns, as the floors of the invoke group are (see bench/invoke.ts).
  const againstFloor = await compare(2000, 1, floorB, viaBroker);
  const floorOverRequest = await compare(1000, 1, viaUndici, floorB);
  closeSync(floorFd);
  const bursts = await compareBursts(10, 100, viaUndici, viaBroker);
  await broker.close();
  server.stop();
  rmSync(home, { recursive: true, force: true });
  return [
    row('brokered GET (loopback)', 'direct undici fetch (information)', againstFetch),
    row('brokered GET (loopback)', "direct undici request, the broker's own call (information)", againstRequest),
    row('brokered GET (loopback)', 'floor (b): undici request + its two audit lines on an open descriptor', againstFloor, { p50: 1.2 }),
    row('floor (b)', 'undici request alone (information)', floorOverRequest),
    ...burstRows('brokered GETs', 'direct requests', 'requests', 100, bursts),
  ];
}
