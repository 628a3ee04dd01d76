import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtArtifacts } from './app-paths';
import { AuditLog } from './audit/log';
import { Broker, type BrokerLimits } from './broker/broker';
import type { Resolver } from './broker/resolver';
import { decideFileAccess } from './files/file-access';
import { GrantStore } from './grants/store';
import { FileLogger, HOST_TARGET, type Logger } from './log/logger';
import { homeLayout, type HomeLayout } from './paths';
import { probeNetworkConfinement, type Confinement } from './plugins/confinement';
import type { HostLauncher } from './plugins/launcher';
import { nodeHostLauncher } from './plugins/node-launcher';
import { Installer } from './plugins/installer';
import { PluginManager, type PluginManagerOptions } from './plugins/manager';
import type { RestartPolicy } from './plugins/plugin-process';
import { PluginRegistry } from './plugins/registry';
import { PanelAsker } from './prompts/panel-asker';
import { PromptService, type Asker, type PermissionPrompt } from './prompts/service';
import type { AuditEntry } from './audit/log';
import type { Grant } from './grants/store';

export interface Host {
  layout: HomeLayout;
  logger: FileLogger;
  plugins: PluginManager;
  installer: Installer;
  grants: GrantStore;
  audit: AuditLog;
  prompts: PromptService;
  /** Where prompts wait for a panel's answer when the host runs with panels. */
  panelAsker: PanelAsker;
  broker: Broker;
  confinement: Confinement;
  /** Starts every enabled plugin, then tells them the app started. */
  start(): Promise<void>;
  /** Tells plugins the app is shutting down, stops every plugin host and closes the broker. */
  shutdown(): Promise<void>;
}

/** The user's host settings, `settings.json` in the data folder. */
export interface HostSettings {
  /** Run plugins without network confinement where it is unavailable (design §2). */
  allowUnconfined: boolean;
}

export interface HostOptions {
  home: string;
  /**
   * How plugin hosts start: a Node child process (in its own network namespace where possible)
   * unless the Electron shell passes its own launcher together with its confinement.
   */
  launcher?: { launch: HostLauncher; confinement: Confinement };
  /** `off` runs plugin hosts without confinement even where it is available (benchmarks compare). */
  confinement?: 'auto' | 'off';
  logger?: FileLogger;
  /**
   * Who answers permission prompts: `panel` (the app: prompts wait for a panel), a scripted asker
   * (tests), or nobody (the headless command line: an ask becomes a deny).
   */
  asker?: 'panel' | Asker;
  promptTimeoutMs?: number;
  resolver?: Resolver;
  brokerLimits?: Partial<BrokerLimits>;
  invokeTimeoutMs?: number;
  loadTimeoutMs?: number;
  restartPolicy?: Partial<RestartPolicy>;
  onChange?: PluginManagerOptions['onChange'];
  onNotify?: PluginManagerOptions['onNotify'];
  onPrompts?: (pending: PermissionPrompt[]) => void;
  onAudit?: (entry: AuditEntry) => void;
  onGrants?: (grants: Grant[]) => void;
  onPluginEvent?: (pluginId: string, name: string, payload: unknown) => void;
}

function readHostSettings(home: string, logger: Logger): HostSettings {
  const path = join(home, 'settings.json');
  const defaults: HostSettings = { allowUnconfined: false };
  if (!existsSync(path)) return defaults;
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<HostSettings>;
    return { allowUnconfined: data.allowUnconfined === true };
  } catch (e) {
    logger.log('error', HOST_TARGET, `${path} cannot be read (${(e as Error).message}); using the safe defaults`);
    return defaults;
  }
}

/** The core every shell shares (Electron, web host, command line), without starting any plugin. */
export function createHost(opts: HostOptions): Host {
  const layout = homeLayout(opts.home);
  const logger = opts.logger ?? new FileLogger(layout.logs);
  const { bridgePath, pluginHostScript } = builtArtifacts();
  for (const [what, path] of [['host bridge', bridgePath], ['plugin host', pluginHostScript]] as const) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm start or npm run build`);
  }
  const settings = readHostSettings(layout.home, logger);
  const confinement: Confinement = opts.launcher?.confinement ?? (opts.confinement === 'off' ? { state: 'unconfined', reason: 'turned off for this run' } : probeNetworkConfinement());
  const launch = opts.launcher?.launch ?? nodeHostLauncher(pluginHostScript, { confine: confinement.state === 'confined' });
  logger.log(confinement.state === 'confined' ? 'info' : 'warn', HOST_TARGET, `network confinement: ${confinement.state === 'confined' ? confinement.how : `unavailable: ${confinement.reason}`}`);

  const grants = new GrantStore(join(layout.home, 'grants.json'));
  if (grants.loadProblem) logger.log('error', HOST_TARGET, grants.loadProblem);
  const audit = new AuditLog(join(layout.home, 'audit.jsonl'), opts.onAudit);
  const panelAsker = new PanelAsker((pending) => opts.onPrompts?.(pending));
  const prompts = new PromptService(opts.asker === 'panel' ? panelAsker.ask : opts.asker, opts.promptTimeoutMs);
  // The manager hands ctx.http() calls to the broker; the broker asks the manager what each plugin
  // declares. Both callbacks run only after both exist.
  const plugins: PluginManager = new PluginManager({
    pluginsDir: layout.plugins,
    registry: new PluginRegistry(join(layout.home, 'plugins.json')),
    settingsDir: join(layout.home, 'plugin-settings'),
    restartPolicy: opts.restartPolicy,
    bridgePath,
    launcher: launch,
    logger,
    confinement,
    allowUnconfined: settings.allowUnconfined || opts.confinement === 'off',
    invokeTimeoutMs: opts.invokeTimeoutMs,
    loadTimeoutMs: opts.loadTimeoutMs,
    onHttp: (req) => broker.fetch(req),
    onFileAccess: (req) => decideFileAccess(req, { grants, prompts, audit, onGrant: () => opts.onGrants?.(grants.all()) }),
    localNetworkOf: (id) => grants.localNetwork(id),
    onChange: opts.onChange,
    // A plugin's event reaches panels and the other plugins' Custom subscriptions as plugin:<id>:<name>.
    onEvent: (id, name, payload) => {
      logger.log('debug', id, `event ${name}`);
      opts.onPluginEvent?.(id, name, payload);
      plugins.appEvent({ type: 'custom', name: `plugin:${id}:${name}` }, payload);
    },
    // The plugin id is the one of the plugin host that sent it: a plugin cannot audit in another's name.
    onAudit: (id, m) => {
      const method = m.kind === 'process' ? 'SPAWN' : 'FILE';
      const url = m.kind === 'process' ? `process:${m.subject}` : `file://${m.subject}`;
      try {
        audit.appendDecision({ pluginId: id, method, url, decision: m.decision, rule: m.rule, reason: m.reason });
      } catch (e) {
        logger.log('error', HOST_TARGET, `audit write failed for ${method} ${url} of ${id}: ${(e as Error).message}`);
      }
    },
    onCrossCall: (c) => {
      try {
        audit.appendDecision({
          pluginId: c.callerId,
          method: 'INVOKE',
          url: `plugin://${c.targetId}/${c.command}`,
          decision: c.allowed ? 'allow' : 'deny',
          rule: 'cross-plugin:exported',
          reason: c.reason,
        });
      } catch (e) {
        logger.log('error', HOST_TARGET, `audit write failed for a cross-plugin call of ${c.callerId}: ${(e as Error).message}`);
        throw e;
      }
    },
    onNotify: (id, n) => {
      logger.log('info', id, `notification (${n.kind}): ${n.title}: ${n.message}`);
      opts.onNotify?.(id, n);
    },
  });
  const broker = new Broker({
    profileOf: (id) => plugins.networkProfile(id),
    grants,
    audit,
    prompts,
    logger,
    resolver: opts.resolver,
    limits: opts.brokerLimits,
    onGrant: () => opts.onGrants?.(grants.all()),
  });
  logger.log('info', HOST_TARGET, `HaloForge Host starting with data folder ${layout.home}`);
  const installer = new Installer(plugins, grants, join(layout.home, '.staging'), logger);
  return {
    layout,
    logger,
    plugins,
    installer,
    grants,
    audit,
    prompts,
    panelAsker,
    broker,
    confinement,
    start: async () => {
      await plugins.startAll();
      plugins.appEvent({ type: 'app_started' });
    },
    shutdown: async () => {
      plugins.appEvent({ type: 'app_shutting_down' });
      await plugins.shutdown();
      await broker.close();
      audit.close();
    },
  };
}
