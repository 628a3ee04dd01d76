import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot, builtArtifacts } from './app-paths';
import { AuditLog } from './audit/log';
import { Broker, type BrokerLimits } from './broker/broker';
import type { Resolver } from './broker/resolver';
import { displayFields } from './display-text';
import { Bridges } from './bridges/bridges';
import { EgressTunnels, type EgressLimits } from './egress/tunnels';
import { decideViewAccess } from './files/view-access';
import { grantByUser } from './files/user-grants';
import type { UserFileGrant, UserGrantResult } from './files/user-grant-types';
import { realPath } from './files/real-path';
import { GrantStore } from './grants/store';
import { FileLogger, HOST_TARGET, type Logger } from './log/logger';
import { homeLayout, type HomeLayout } from './paths';
import { timeoutsWith, type Timeouts } from './timeouts';
import { hostLauncher } from './plugins/host-launcher';
import type { HostLauncher } from './plugins/launcher';
import { Installer } from './plugins/installer';
import { ProgramService } from './processes/program-service';
import { gitIdentityConfig } from './processes/program-rules';
import { findBubblewrap, type Bubblewrap } from './sandbox/bubblewrap';
import { supervisorNamespaces, type SupervisorNamespaces } from './sandbox/supervisor-namespaces';
import { SandboxGate } from './sandbox/gate';
import { readNamespaces } from './sandbox/namespaces';
import { readHostRoot } from './sandbox/host-root';
import { PluginCatalogue } from './plugins/catalogue';
import { PluginLifecycle, type PluginLifecycleOptions } from './plugins/lifecycle';
import { PluginSettings } from './plugins/plugin-settings';
import type { RestartPolicy } from './plugins/plugin-process';
import { PluginRegistry } from './plugins/registry';
import { PanelAsker } from './prompts/panel-asker';
import { PromptService } from './prompts/service';
import type { Asker, PermissionPrompt } from './prompts/prompt-types';
import type { AuditEntry } from './audit/entry';
import { auditIndexOf, originOf, type AuditIndex } from './audit/records';
import { changeRecorder, grantChangeRecord, type RecordChange } from './audit/changes';
import { WorkflowStore } from './workflows/store';
import { createFrameCalls, type FrameCalls } from './frontends/frame-calls';
import { FileDialogs } from './dialogs/file-dialogs';
import type { FileDialogRequest } from './dialogs/dialog-types';
import { Workflows } from './workflows/workflows';
import type { WorkflowRun } from './workflows/workflow-types';

export interface Host {
  layout: HomeLayout;
  logger: FileLogger;
  /** Runs plugins: their hosts, invokes, approvals and toggles (its `catalogue` knows what is installed and what each may do). */
  plugins: PluginLifecycle;
  settings: PluginSettings;
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
  programs: ProgramService;
  /** The egress proxies' tunnels: plugins' own HTTP clients, decided and relayed by main. */
  egress: EgressTunnels;
  /** The user's workflows, run through the step types of active plugins. */
  workflows: Workflows;
  /** What plugin frames may ask of main, as their plugin. */
  frameCalls: FrameCalls;
  /** File dialogs plugin frames opened, waiting for a panel. */
  dialogs: FileDialogs;
  /** Grants a folder or file by hand, as the command line does (see files/user-grants). */
  grantFile: (grant: UserFileGrant) => UserGrantResult;
  /** Writes down a change the user made to what a plugin may do (see audit/changes). */
  recordChange: RecordChange;
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
  egressLimits?: Partial<EgressLimits>;
  /** Folders searched for programs before the system's (tests: a stub p4), trusted as given. */
  programDirs?: string[];
  /** The git identity programs get (null: none); by default the user's, from their global git configuration. */
  gitIdentity?: { name?: string; email?: string } | null;
  /** Changes to the host's one budget of waits (core/timeouts); checked so no inner wait outlives an outer one. */
  timeouts?: Partial<Timeouts>;
  restartPolicy?: Partial<RestartPolicy>;
  onChange?: PluginLifecycleOptions['onChange'];
  onNotify?: PluginLifecycleOptions['onNotify'];
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
export function standardLauncher(home: string, bubblewrap: Bubblewrap = findBubblewrap(), gitIdentity?: string, namespaces?: SupervisorNamespaces): HostLauncher {
  const { pluginHostScript, supervisor, shim, gate } = builtArtifacts();
  return hostLauncher({ runtime: process.execPath, hostScript: pluginHostScript, appRoot: appRoot() }, bubblewrap, {
    supervisor,
    ownNamespaces: bubblewrap.ok && (namespaces ?? supervisorNamespaces(supervisor)).own,
    shim,
    gate,
    root: readHostRoot(),
    protectedRoots: protectedRootsOf(home),
    ...(gitIdentity ? { gitIdentity } : {}),
  });
}

/**
 * The user's name and email from their global git configuration, read once by main (`git config
 * --get` runs nothing else): the one part of it programs run for plugins are given.
 */
export function userGitIdentity(): { name?: string; email?: string } {
  const get = (key: string) => {
    const r = spawnSync('git', ['config', '--global', '--get', key], { encoding: 'utf8', timeout: 5000 });
    return r.status === 0 ? r.stdout.trim() || undefined : undefined;
  };
  const name = get('user.name');
  const email = get('user.email');
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/** The host's own state and code, which no plugin may see whatever was granted: the data folder and the app. */
export function protectedRootsOf(home: string): string[] {
  return [realPath(home), realPath(appRoot())];
}

/** The core every shell shares (Electron, web host, command line), without starting any plugin. */
export function createHost(opts: HostOptions): Host {
  const layout = homeLayout(opts.home);
  const logger = opts.logger ?? new FileLogger(layout.logs);
  const { bridgePath, pluginHostScript } = builtArtifacts();
  for (const [what, path] of [['host bridge', bridgePath], ['plugin host', pluginHostScript], ['supervisor', builtArtifacts().supervisor]] as const) {
    if (!existsSync(path)) throw new Error(`the ${what} is not built (${path} is missing): run npm start or npm run build`);
  }
  const timeouts = timeoutsWith(opts.timeouts);
  const hostSettings = readHostSettings(layout.home, logger);
  const bubblewrap = opts.sandbox === 'off' ? { ok: false as const, reason: 'the sandbox was turned off for this run' } : findBubblewrap();
  mkdirSync(layout.home, { recursive: true });
  const gate = new SandboxGate({ bubblewrap, allowUnconfined: hostSettings.allowUnconfined || opts.sandbox === 'off', mainNamespaces: readNamespaces(), home: layout.home, lockDown: opts.sandbox !== 'off' });
  const app = appRoot();
  const protectedRoots = protectedRootsOf(layout.home);
  const gitIdentity = gitIdentityConfig(opts.gitIdentity === undefined ? userGitIdentity() : (opts.gitIdentity ?? {}));
  const namespaces = bubblewrap.ok && !opts.launcher ? supervisorNamespaces(builtArtifacts().supervisor) : undefined;
  const launch = opts.launcher ?? standardLauncher(layout.home, bubblewrap, gitIdentity, namespaces);
  const supervisors = namespaces === undefined ? '' : namespaces.own ? ' in namespaces it makes itself' : `, itself inside bubblewrap (it cannot make its own namespaces here: ${namespaces.reason})`;
  logger.log(bubblewrap.ok ? 'info' : 'warn', HOST_TARGET, bubblewrap.ok ? `plugin hosts start in bubblewrap (${bubblewrap.path}), each with a supervisor that mounts its grants${supervisors}` : `sandbox unavailable: ${bubblewrap.reason}`);

  const grants = new GrantStore(join(layout.home, 'grants.json'));
  if (grants.loadProblem) logger.log('error', HOST_TARGET, grants.loadProblem);
  if (grants.droppedNote) logger.log('warn', HOST_TARGET, grants.droppedNote);
  const audit = new AuditLog(join(layout.home, 'audit.jsonl'), opts.onAudit, (entry, e) =>
    logger.log('error', HOST_TARGET, `a refusal could not be written to the audit file (${e.message}): ${entry.method} ${entry.url} by ${entry.pluginId}, ${entry.rule}`),
  );
  const recordChange = changeRecorder(audit, logger);
  // Every grant given, revoked, narrowed or run out, and every local network toggle, is a record of its own.
  grants.onGrantChange((c) => recordChange(grantChangeRecord(c)));
  grants.expireDue();
  const panelAsker = new PanelAsker((pending) => opts.onPrompts?.(pending));
  const auditIndex = auditIndexOf(audit);
  // Every prompt says who asks (as its manifest says), what it was running, and whether it was
  // asked about this origin before: a prompt answered, or a standing answer given (refusals by
  // rule, with no prompt, do not count).
  const prompts = new PromptService(opts.asker === 'panel' ? panelAsker.ask : opts.asker, timeouts.promptMs, (d) => {
    const manifest = catalogue.manifestOf(d.pluginId);
    const origin = d.kind === 'network' ? `${d.scheme}://${d.host}:${d.port}` : '';
    return {
      pluginVersion: manifest?.version ?? '',
      pluginAuthor: manifest?.author ?? '',
      runningCommands: plugins.runningOf(d.pluginId),
      firstToHost: d.kind === 'network' && !auditIndex().matching({ pluginId: d.pluginId, host: d.host }).some((r) => originOf(r.url) === origin && (r.prompt !== null || r.change !== null)),
    };
  });
  const programs = new ProgramService({ audit, logger, dirs: { given: opts.programDirs ?? [] }, gitIdentity: gitIdentity !== undefined });
  const catalogue = new PluginCatalogue({ pluginsDir: layout.plugins, registry: new PluginRegistry(join(layout.home, 'plugins.json')), grants, logger });
  // Settings saved from a panel reach the running plugin, and SettingsChanged listeners; both run only once the lifecycle exists.
  const settings = new PluginSettings({
    settingsDir: join(layout.home, 'plugin-settings'),
    manifestOf: (id) => catalogue.manifestOf(id),
    logger,
    onSaved: (id, values, fromPanel) => plugins.settingsSaved(id, values, fromPanel),
  });
  // The lifecycle hands ctx.http() calls to the broker, which reads each plugin's authority from
  // the catalogue. The callbacks run only once everything exists.
  const plugins: PluginLifecycle = new PluginLifecycle({
    catalogue,
    settings,
    restartPolicy: opts.restartPolicy,
    bridges: new Bridges({ home: layout.home, appRoot: app, defaultBridge: bridgePath, logger }),
    launcher: launch,
    logger,
    gate,
    timeouts,
    services: {
      http: (p, m) => broker.fetch({ pluginId: p.authority.pluginId, method: m.method, url: m.url, headers: m.headers ?? undefined, body: m.body }),
    },
    viewAccess: (p, request) => decideViewAccess(p, request, { grants, prompts, audit, protectedRoots }),
    programs,
    onHostGone: (id) => {
      egress.closeAll(id);
    },
    egressFor: (id) => ({ accept: (client) => egress.accept(id, client) }),
    onViolation: (id, reason) => {
      logger.log('error', id, `plugin host refused and stopped: it sent ${reason}`);
      audit.refuse({ pluginId: id, method: 'IPC', url: `plugin-host://${id}`, rule: 'plugin-host:message', reason: `its plugin host sent ${reason}; it was stopped` });
    },
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
    authorityOf: (id) => catalogue.authority(id),
    grants,
    audit,
    prompts,
    logger,
    resolver: opts.resolver,
    limits: { ...opts.brokerLimits, timeoutMs: timeouts.requestMs },
  });
  // A command waiting on the user's answer must not time out before the prompt does.
  prompts.watch((id, asking) => plugins.holdDeadlines(id, asking));
  const egress = new EgressTunnels({ broker, grants, logger, limits: opts.egressLimits, programRuns: programs });
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
    settings,
    installer,
    grants,
    audit,
    auditIndex,
    prompts,
    panelAsker,
    broker,
    gate,
    programs,
    egress,
    workflows,
    frameCalls: createFrameCalls({ plugins, settings, logger, dialogs }),
    dialogs,
    grantFile: (grant) => grantByUser(grant, { grants, protectedRoots, logger, installed: (id) => catalogue.entry(id) !== undefined, allowOnce: (id, g) => plugins.allowOnce(id, g), recordChange }),
    recordChange,
    start: async () => {
      await plugins.startAll();
      plugins.appEvent({ type: 'app_started' });
    },
    shutdown: async () => {
      plugins.appEvent({ type: 'app_shutting_down' });
      await plugins.shutdown();
      await broker.close();
      grants.close();
      audit.close();
    },
  };
}
