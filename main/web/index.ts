/**
 * `npm start` without an Electron binary: the same core behind the loopback web host (design §6).
 */
import { join } from 'node:path';
import { appRoot } from '../core/app-paths';
import { createHost } from '../core/host';
import { createRouter } from '../core/ipc/router';
import { HOST_TARGET } from '../core/log/logger';
import { haloforgeHome } from '../core/paths';
import { startWebHost, type WebHost } from './server';

async function main(): Promise<void> {
  // Plugins may change state before the server is up; those events have no panel to reach yet.
  let broadcast: WebHost['broadcast'] = () => undefined;
  const host = createHost({
    home: haloforgeHome(),
    asker: 'panel',
    onChange: (plugin) => broadcast('hf:event:plugin-changed', plugin),
    onNotify: (pluginId, n) => broadcast('hf:event:notification', { pluginId, title: n.title, message: n.message, kind: n.kind }),
    onPrompts: (pending) => broadcast('hf:event:prompts', pending),
    onAudit: (entry) => broadcast('hf:event:audit', entry),
    onGrants: (grants) => broadcast('hf:event:grants', grants),
  });
  host.plugins.discover();
  const port = process.env.HALOFORGE_PORT ? Number(process.env.HALOFORGE_PORT) : undefined;
  const web = await startWebHost({ dispatch: createRouter({ ...host, grantsChanged: () => broadcast('hf:event:grants', host.grants.list()) }), rendererDir: join(appRoot(), 'out', 'renderer'), logger: host.logger, port });
  broadcast = web.broadcast;
  host.logger.log('info', HOST_TARGET, `web host listening on http://127.0.0.1:${web.port}/`);
  process.stdout.write(`HaloForge Host (web host) is running. Open:\n  ${web.url}\n`);
  await host.plugins.startAll();
  for (const p of host.plugins.list()) process.stdout.write(`  plugin ${p.id}: ${p.state}${p.error ? ` (${p.error})` : ''}\n`);
  const stop = async () => {
    host.logger.log('info', HOST_TARGET, 'shutting down');
    await host.shutdown();
    await web.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`haloforge: ${(e as Error).message}\n`);
  process.exit(1);
});
