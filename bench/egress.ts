import { createHost, type Host } from '../main/core/host';
import { FileLogger } from '../main/core/log/logger';
import { homeLayout } from '../main/core/paths';
import { installSample, tempHome } from '../test/helpers/fixtures';
import { startTestServer, TEST_CA_PEM } from '../test/helpers/servers';
import { row, type Row } from './row';
import { compare } from './stats';

export const OWN_FETCHER = 'dev.haloforge.sample.own-fetcher';

/** A host with the own-fetcher plugin allowed `scope`, on loopback (its local network on), sandboxed or not. */
export async function hostWith(sandbox: 'auto' | 'off', scope: string): Promise<{ host: Host; cleanup: () => Promise<void> }> {
  const t = tempHome();
  installSample(t.home, { sample: 'own-fetcher', manifest: (m) => (m.permissions = [{ type: 'network_http_domain', value: scope }]) });
  const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, ''), sandbox, resolver: async () => ['127.0.0.1'] });
  host.grants.setLocalNetwork(OWN_FETCHER, true, 'panel');
  host.plugins.discover();
  await host.plugins.approve(OWN_FETCHER, 'all');
  await host.start();
  return {
    host,
    cleanup: async () => {
      await host.shutdown();
      t.cleanup();
    },
  };
}

/**
 * A plugin's own HTTP client (reqwest, kept between calls as a real plugin keeps it) making a GET on
 * loopback: sandboxed, through the egress proxy and main (the tunnel decided once, then reused),
 * against the same plugin with no sandbox at all reaching the server directly.
 */
export async function egressBenchmarks(): Promise<Row[]> {
  const server = await startTestServer('127.0.0.1', 0, { tls: true });
  const name = 'api.hf.test';
  const url = `https://${name}:${server.port}/json`;
  const sandboxed = await hostWith('auto', `${name}:${server.port}`);
  const bare = await hostWith('off', `${name}:${server.port}`);
  const viaProxy = () => sandboxed.host.plugins.invoke(OWN_FETCHER, 'get', { url, ca_pem: TEST_CA_PEM, keep: true });
  const direct = () => bare.host.plugins.invoke(OWN_FETCHER, 'get', { url, ca_pem: TEST_CA_PEM, keep: true, direct: true, resolve: { host: name, address: `127.0.0.1:${server.port}` } });
  await compare(2, 50, direct, viaProxy);
  const rows = [row("GET with a plugin's own reqwest, sandboxed, through the egress proxy", 'the same GET with no sandbox, direct', await compare(10, 100, direct, viaProxy), { p50: 1.5 })];
  await sandboxed.cleanup();
  await bare.cleanup();
  await server.close();
  return rows;
}
