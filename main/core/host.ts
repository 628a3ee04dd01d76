import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot, builtArtifacts } from './app-paths';
import { AuditLog } from './audit/log';
import { Broker, type BrokerLimits } from './broker/broker';
import type { Resolver } from './broker/resolver';
import { displayFields } from './display-text';
import { Bridges } from './bridges/bridges';
import { EgressTunnels, type EgressLimits } from './egress/tunnels';
import { FileService } from './files/file-service';
import { realPath } from './files/real-path';
import { GrantStore } from './grants/store';
import { FileLogger, HOST_TARGET, type Logger } from './log/logger';
import { homeLayout, type HomeLayout } from './paths';
import { timeoutsWith, type Timeouts } from './timeouts';
import { hostLauncher } from './plugins/host-launcher';
import type { HostLauncher } from './plugins/launcher';
import { Installer } from './plugins/installer';
import { ProcessService, type ProcessLimits } from './processes/process-service';
import { findBubblewrap, type Bubblewrap } from './sandbox/bubblewrap';
import { SandboxGate } from './sandbox/gate';
import { readNamespaces } from './sandbox/namespaces';
import { PluginManager, type PluginManagerOptions } from './plugins/manager';
import type { RestartPolicy } from './plugins/plugin-process';
import { PluginRegistry } from './plugins/registry';
import { PanelAsker } from './prompts/panel-asker';
import { PromptService, type Asker, type PermissionPrompt } from './prompts/service';
import type { AuditEntry } from './audit/log';
import { auditIndexOf, originOf, type AuditIndex } from './audit/records';
import { WorkflowStore } from './workflows/store';
import { createFrameCalls, type FrameCalls } from './frontends/frame-calls';
import { FileDialogs, type FileDialogRequest } from './dialogs/file-dialogs';
import { Workflows, type WorkflowRun } from './workflows/workflows';

export interface Host {
  layout: HomeLayout;
  logger: FileLogger;
  plugins: PluginManager;
  installer: Installer;
  grants: GrantStore;
  audit: AuditLog;
  /** The audit folded into records for the panels, read from the file on first use. */
  auditIndex: () => AuditIndex;
  prompts: PromptService;
  /** Where prompts wait for a panel's answer when the host runs with panels. */
  panelAsker: PanelAsker;
  broker: Broker;
  /** Decides whether each plugin host is sandboxed (and whether an unconfined one may run at all). */
  gate: SandboxGate;
  processes: ProcessService;
  /** The egress proxies' tunnels: plugins' own HTTP clients, decided and relayed by main. */
  egress: EgressTunnels;
  /** The user's workflows, run through the step types of active plugins. */
  workflows: Workflows;
  /** What plugin frames may ask of main, as their plugin. */
  frameCalls: FrameCalls;
  /** File dialogs plugin frames opened, waiting for a panel. */
  dialogs: FileDialogs;
  /** Starts every enabled plugin, then tells them the app started. */
  start(): Promise<void>;
  /** Tells plugins the app is shutting down, stops every plugin host and closes the broker. */
  shutdown(): Promise<void>;
}

/** The user's host settings, `settings.json` in the data folder. */
export interface HostSettings {
  /** Run plugins whose plugin host cannot prove its sandbox (design §8): shown in red. */
  allowUnconfined: boolean;
}

export interface HostOptions {
  home: string;
  /** How plugin hosts start: in bubblewrap, unless a test brings a launcher of its own. */
  launcher?: HostLauncher;
  /** `off` runs plugin hosts with no sandbox at all, bubblewrap nor lockdown (benchmarks compare). */
  sandbox?: 'auto' | 'off';
  logger?: FileLogger;
  /**
   * Who answers permission prompts: `panel` (the app: prompts wait for a panel), a scripted asker
   * (tests), or nobody (the headless command line: an ask becomes a deny).
   */
  asker?: 'panel' | Asker;
  resolver?: Resolver;
  brokerLimits?: Partial<Omit<BrokerLimits, 'timeoutMs'>>;
  processLimits?: Partial<Omit<ProcessLimits, 'timeoutMs'>>;
  egressLimits?: Partial<EgressLimits>;
  /** Changes to the host's one budget of waits (core/timeouts); checked so no inner wait outlives an outer one. */
  timeouts?: Partial<Timeouts>;
  restartPolicy?: Partial<RestartPolicy>;
  onChange?: PluginManagerOptions['onChange'];
  onNotify?: PluginManagerOptions['onNotify'];
  onPrompts?: (pending: PermissionPrompt[]) => void;
  onAudit?: (entry: AuditEntry) => void;
  onPluginEvent?: (pluginId: string, name: string, payload: unknown) => void;
  onWorkflowRun?: (run: WorkflowRun) => void;
  onWorkflowsChanged?: () => void;
  onDialogs?: (pending: FileDialogRequest[]) => void;
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

/**
 * How every shell starts plugin hosts: this runtime (Node, or Electron's binary run as Node) running
 * the built plugin host script, in bubblewrap where it is usable.
 */
export function standardLauncher(bubblewrap: Bubblewrap = findBubblewrap()): HostLauncher {
  const { pluginHostScript } = builtArtifacts();
  return hostLauncher({ runtime: process.execPath, hostScript: pluginHostScript, appRoot: appRoot() }, bubblewrap);
}

/** The core every shell shares (Electron, web host, command line), without starting any plugin. */
export function createHost(opts: HostOptions): Host {
  const layout = homeLayout(opts.home);
  const logger = opts.logger ?? new FileLogger(layout.logs);
  const { bridgePath, pluginHostScript } = builtArtifacts();
  for (const [what, path] of [['host bridge', bridgePath], ['plugin host', pluginHostScript]] as const) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm start or npm run build`);
  }
  const timeouts = timeoutsWith(opts.timeouts);
  const settings = readHostSettings(layout.home, logger);
  const bubblewrap = opts.sandbox === 'off' ? { ok: false as const, reason: 'the sandbox was turned off for this run' } : findBubblewrap();
  mkdirSync(layout.home, { recursive: true });
  const gate = new SandboxGate({ bubblewrap, allowUnconfined: settings.allowUnconfined || opts.sandbox === 'off', mainNamespaces: readNamespaces(), home: layout.home, lockDown: opts.sandbox !== 'off' });
  const app = appRoot();
  const launch = opts.launcher ?? standardLauncher(bubblewrap);
  logger.log(bubblewrap.ok ? 'info' : 'warn', HOST_TARGET, bubblewrap.ok ? `plugin hosts start in bubblewrap (${bubblewrap.path})` : `sandbox unavailable: ${bubblewrap.reason}`);
  // Whatever a user granted, no plugin reaches the host's own state or code through main.
  const protectedRoots = [realPath(layout.home), realPath(app)];

  const grants = new GrantStore(join(layout.home, 'grants.json'));
  if (grants.loadProblem) logger.log('error', HOST_TARGET, grants.loadProblem);
  const audit = new AuditLog(join(layout.home, 'audit.jsonl'), opts.onAudit, (entry, e) =>
    logger.log('error', HOST_TARGET, `a refusal could not be written to the audit file (${e.message}): ${entry.method} ${entry.url} by ${entry.pluginId}, ${entry.rule}`),
  );
  const panelAsker = new PanelAsker((pending) => opts.onPrompts?.(pending));
  const auditIndex = auditIndexOf(audit);
  // Every prompt says who asks (as its manifest says), what it was running, and whether it asked before.
  const prompts = new PromptService(opts.asker === 'panel' ? panelAsker.ask : opts.asker, timeouts.promptMs, (d) => {
    const manifest = plugins.manifestOf(d.pluginId);
    const origin = d.kind === 'network' ? `${d.scheme}://${d.host}:${d.port}` : '';
    return {
      pluginVersion: manifest?.version ?? '',
      pluginAuthor: manifest?.author ?? '',
      runningCommands: plugins.runningOf(d.pluginId),
      firstToHost: d.kind === 'network' && !auditIndex().matching({ pluginId: d.pluginId, kind: 'network', host: d.host }).some((r) => originOf(r.url) === origin),
    };
  });
  const files = new FileService({ grants, prompts, audit, protectedRoots });
  const processes = new ProcessService({ grants, prompts, audit, logger, bubblewrap, protectedRoots, limits: { ...opts.processLimits, timeoutMs: timeouts.programMs } });
  // The manager hands ctx.http() calls to the broker; the broker asks the manager what each plugin
  // declares. Both callbacks run only after both exist.
  const plugins: PluginManager = new PluginManager({
    pluginsDir: layout.plugins,
    registry: new PluginRegistry(join(layout.home, 'plugins.json')),
    settingsDir: join(layout.home, 'plugin-settings'),
    restartPolicy: opts.restartPolicy,
    bridges: new Bridges({ home: layout.home, appRoot: app, defaultBridge: bridgePath, logger }),
    launcher: launch,
    logger,
    gate,
    timeouts,
    hostCalls: (p) => {
      const types = () => new Set(p.granted().map((g) => g.type));
      return {
        http: (m) => broker.fetch({ pluginId: p.id, method: m.method, url: m.url, headers: m.headers ?? undefined, body: m.body }),
        fs: (m) => files.handle({ id: p.id, name: p.name, dataDir: p.dataDir, granted: types() }, m.op, m.path, m.data),
        process: (m) => {
          const granted = p.granted();
          const whitelist = granted.filter((g) => g.type === 'process_spawn_whitelist').flatMap((g) => (Array.isArray(g.value) ? g.value.filter((v): v is string => typeof v === 'string') : []));
          return processes.run({ id: p.id, name: p.name, dataDir: p.dataDir, granted: new Set(granted.map((g) => g.type)), whitelist }, m.program, m.args, m.cwd ?? null);
        },
      };
    },
    onHostGone: (id) => {
      processes.stopAll(id);
      egress.closeAll(id);
    },
    egressFor: (id) => ({ open: (tunnel, head, send) => egress.open(id, tunnel, head, send), flow: (m) => egress.flow(id, m) }),
    onViolation: (id, reason) => {
      logger.log('error', id, `plugin host refused and stopped: it sent ${reason}`);
      audit.refuse({ pluginId: id, method: 'IPC', url: `plugin-host://${id}`, rule: 'plugin-host:message', reason: `its plugin host sent ${reason}; it was stopped` });
    },
    localNetworkOf: (id) => grants.localNetwork(id),
    onChange: opts.onChange,
    // A plugin's event reaches panels and the other plugins' Custom subscriptions as plugin:<id>:<name>.
    onEvent: (id, name, payload) => {
      logger.log('debug', id, `event ${name}`);
      opts.onPluginEvent?.(id, name, payload);
      plugins.appEvent({ type: 'custom', name: `plugin:${id}:${name}` }, payload);
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
      opts.onNotify?.(id, displayFields(n));
    },
  });
  const broker = new Broker({
    profileOf: (id) => plugins.networkProfile(id),
    grants,
    audit,
    prompts,
    logger,
    resolver: opts.resolver,
    limits: { ...opts.brokerLimits, timeoutMs: timeouts.requestMs },
  });
  // A command waiting on the user's answer must not time out before the prompt does.
  prompts.watch((id, asking) => plugins.holdDeadlines(id, asking));
  const egress = new EgressTunnels({ broker, grants, logger, limits: opts.egressLimits });
  logger.log('info', HOST_TARGET, `HaloForge Host starting with data folder ${layout.home}`);
  const installer = new Installer(plugins, grants, join(layout.home, '.staging'), logger);
  const dialogs = new FileDialogs({ grants, logger, protectedRoots, timeoutMs: timeouts.dialogMs, announce: (pending) => opts.onDialogs?.(pending) });
  const workflows = new Workflows({
    store: new WorkflowStore(join(layout.home, 'workflows.json')),
    stepTypes: () => plugins.stepTypes(),
    runStep: (pluginId, typeId, config) => plugins.runStep(pluginId, typeId, config),
    appEvent: (event, payload) => plugins.appEvent(event, payload),
    audit,
    logger,
    onRun: opts.onWorkflowRun,
    onChange: opts.onWorkflowsChanged,
  });
  return {
    layout,
    logger,
    plugins,
    installer,
    grants,
    audit,
    auditIndex,
    prompts,
    panelAsker,
    broker,
    gate,
    processes,
    egress,
    workflows,
    frameCalls: createFrameCalls({ plugins, logger, dialogs }),
    dialogs,
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
