import { existsSync } from 'node:fs';
import { builtArtifacts } from './app-paths';
import { FileLogger, HOST_TARGET, type Logger } from './log/logger';
import { homeLayout, type HomeLayout } from './paths';
import type { HostLauncher } from './plugins/launcher';
import { nodeHostLauncher } from './plugins/node-launcher';
import { PluginManager, type PluginManagerOptions } from './plugins/manager';

export interface Host {
  layout: HomeLayout;
  logger: Logger;
  plugins: PluginManager;
}

export interface HostOptions {
  home: string;
  /** How plugin hosts are started; a Node child process unless the Electron shell passes its own. */
  launcher?: HostLauncher;
  logger?: Logger;
  invokeTimeoutMs?: number;
  loadTimeoutMs?: number;
  onChange?: PluginManagerOptions['onChange'];
  onNotify?: PluginManagerOptions['onNotify'];
}

/** The core every shell shares (Electron, web host, command line), without starting any plugin. */
export function createHost(opts: HostOptions): Host {
  const layout = homeLayout(opts.home);
  const logger = opts.logger ?? new FileLogger(layout.logs);
  const { bridgePath, pluginHostScript } = builtArtifacts();
  for (const [what, path] of [['host bridge', bridgePath], ['plugin host', pluginHostScript]] as const) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm start or npm run build`);
  }
  const plugins = new PluginManager({
    pluginsDir: layout.plugins,
    bridgePath,
    launcher: opts.launcher ?? nodeHostLauncher(pluginHostScript),
    logger,
    invokeTimeoutMs: opts.invokeTimeoutMs,
    loadTimeoutMs: opts.loadTimeoutMs,
    onChange: opts.onChange,
    onNotify: (id, n) => {
      logger.log('info', id, `notification (${n.kind}): ${n.title}: ${n.message}`);
      opts.onNotify?.(id, n);
    },
  });
  logger.log('info', HOST_TARGET, `HaloForge Host starting with data folder ${layout.home}`);
  return { layout, logger, plugins };
}
