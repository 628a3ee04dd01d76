import { join } from 'node:path';
import { builtArtifacts } from '../../main/core/app-paths';
import { createHost, type Host, type HostOptions } from '../../main/core/host';
import { createRouter } from '../../main/core/ipc/router';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { startWebHost, type WebHost } from '../../main/web/server';
import { installSample, root, tempHome } from './fixtures';

/**
 * A started host over a fresh HALOFORGE_HOME holding `samples`, behind a real web host (in this
 * process); `stop` undoes all of it.
 */
export async function hostBehindWebHost(samples: string[], opts: Pick<HostOptions, 'sandbox'> = {}): Promise<{ host: Host; web: WebHost; stop: () => Promise<void> }> {
  const t = tempHome();
  for (const sample of samples) installSample(t.home, { sample });
  const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, ''), ...opts });
  host.plugins.discover();
  await host.start();
  const dispatch = createRouter({ ...host, pluginRemoved: () => undefined });
  const frames = { lookup: (label: string) => host.plugins.framed(label), runtimePath: builtArtifacts().frameRuntime };
  const web = await startWebHost({ dispatch, rendererDir: join(root, 'out', 'renderer'), logger: host.logger, frames });
  return {
    host,
    web,
    stop: async () => {
      await web.close();
      await host.shutdown();
      t.cleanup();
    },
  };
}
