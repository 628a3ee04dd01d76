/**
 * `npm start` without an Electron binary: the same core behind the loopback web host (design §6).
 */
import { join } from 'node:path';
import { appRoot, builtArtifacts } from '../core/app-paths';
import { HOST_TARGET } from '../core/log/logger';
import { haloforgeHome } from '../core/paths';
import { startAppCore, type Emit } from '../core/shell';
import { startWebHost, type WebHost } from './server';
import { choosePort, rememberPort } from './web-port';

async function main(): Promise<void> {
  // Events raised before the server is up have no panel to reach yet.
  const carrier: { web?: WebHost } = {};
  const emit: Emit = (event, payload) => carrier.web?.broadcast(event, payload);
  const core = await startAppCore({ home: haloforgeHome(), what: 'web host' }, emit);
  const { host, dispatch } = core;
  const frames = { lookup: (label: string) => host.plugins.framed(label), runtimePath: builtArtifacts().frameRuntime };
  const start = (port: number | undefined) => startWebHost({ dispatch, rendererDir: join(appRoot(), 'out', 'renderer'), logger: host.logger, port, frames });
  // The same port as last time, so that a tab left open finds the host again after a restart.
  const chosen = choosePort(host.layout.home);
  let server: WebHost;
  try {
    server = await start(chosen.port);
  } catch (e) {
    if (chosen.required || chosen.port === undefined) throw e;
    host.logger.log('warn', HOST_TARGET, `the web host's last port ${chosen.port} is taken (${(e as Error).message}); listening on another one`);
    server = await start(undefined);
  }
  rememberPort(host.layout.home, server.port);
  carrier.web = server;
  host.logger.log('info', HOST_TARGET, `web host listening on ${server.url.split('#')[0]} (loopback only)`);
  process.stdout.write(`HaloForge Host (web host) is running. Open:\n  ${server.url}\n`);
  process.stdout.write(`  (or http://127.0.0.1:${server.port}/#token=${server.token} in a browser that does not resolve *.localhost; plugin frontends then lose their storage)\n`);
  process.stdout.write('The token in the address is new at every launch: after a restart, open the new address. Press Ctrl+C to stop.\n');
  await host.start();
  for (const p of host.plugins.list()) {
    const why = p.error ? ` (${p.error})` : p.needsApproval.length ? ` (waiting for your approval of ${p.needsApproval.map((x) => x.key).join(', ')}: approve it in the Plugins panel or with haloforge approve ${p.id})` : !p.enabled ? ' (disabled)' : '';
    process.stdout.write(`  plugin ${p.id}: ${p.state}${why}\n`);
  }
  const stop = async () => {
    host.logger.log('info', HOST_TARGET, 'shutting down');
    await core.stop();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`haloforge: ${(e as Error).message}\n`);
  process.exit(1);
});
