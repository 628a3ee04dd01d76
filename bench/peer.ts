import type { LookupFunction } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpProxyServer } from '@anthropic-ai/sandbox-runtime/dist/sandbox/http-proxy.js';
import type { Host } from '../main/core/host';
import { startTestServer, TEST_CA_PEM } from '../test/helpers/servers';
import { hostWith, OWN_FETCHER } from './egress';
import { row, type Row } from './row';
import { compare } from './stats';

/**
 * Our egress path beside a peer doing the same job: Anthropic's sandbox-runtime's own HTTP proxy
 * server (its domain allow-list, in this process as our relay is in main's). The same plugin's
 * reqwest client, the same loopback TLS server, a reused tunnel and a new client per GET.
 * Asymmetries that remain: ours decides each tunnel through the policy engine and writes its audit
 * lines (decision before, outcome after), and its client runs in the plugin's sandbox, reaching the
 * proxy through the plugin host; the peer's client is the same plugin unsandboxed, talking to the
 * peer's proxy over loopback TCP, and the peer writes nothing down.
 */
export async function peerBenchmarks(): Promise<Row[]> {
  const server = await startTestServer('127.0.0.1', 0, { tls: true });
  const name = 'api.hf.test';
  const url = `https://${name}:${server.port}/json`;
  // The peer's allow-list holds exactly the one host, and its own lookup says where that name is.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  const peer = createHttpProxyServer({ filter: (port, host) => host === name && port === server.port, lookupFor: () => lookup });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
  const peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;

  const ours = await hostWith('auto', `${name}:${server.port}`);
  const bare = await hostWith('off', `${name}:${server.port}`);
  const get = (h: Host, keep: boolean, extra: Record<string, unknown> = {}) => async () => {
    const r = (await h.plugins.invoke(OWN_FETCHER, 'get', { url, ca_pem: TEST_CA_PEM, keep, ...extra })) as { status: number };
    if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
  };
  const viaOurs = get(ours.host, true);
  const viaPeer = get(bare.host, true, { proxy: peerUrl });
  const direct = get(bare.host, true, { direct: true, resolve: { host: name, address: `127.0.0.1:${server.port}` } });
  // Call by call in turns: the machine's pace swings too much for blocks (see bench/invoke.ts).
  await compare(100, 1, viaPeer, viaOurs);
  const reused = await compare(1000, 1, viaPeer, viaOurs);
  const peerOverDirect = await compare(1000, 1, direct, viaPeer);
  const newOurs = get(ours.host, false);
  const newPeer = get(bare.host, false, { proxy: peerUrl });
  await compare(20, 1, newPeer, newOurs);
  const fresh = await compare(300, 1, newPeer, newOurs);
  await ours.cleanup();
  await bare.cleanup();
  peer.close();
  await server.close();
  return [
    row("GET with a plugin's own reqwest on a reused tunnel through our egress proxy", "the same through sandbox-runtime's HTTP proxy", reused, { p50: 1.1 }),
    row("GET with a new reqwest client each time (CONNECT, TLS) through our egress proxy", "the same through sandbox-runtime's HTTP proxy", fresh, { p50: 1.2 }),
    row("GET through sandbox-runtime's HTTP proxy (information)", 'the same GET direct, no proxy', peerOverDirect),
  ];
}
