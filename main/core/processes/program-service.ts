import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/log';
import { HOST_TARGET, type Logger } from '../log/logger';
import type { ServedPlugin } from '../plugins/authority';
import { gitCore, interpreterOf, locateProgram, searchOrder, type ProgramDirs } from './program-files';
import { planProgram, redactArgs, redactEnv, type ProgramRequest } from './program-rules';

/** What the supervisor is told to run (native/supervisor/src/protocol.rs ProgramRun). */
export interface ProgramRun {
  path: string;
  args: string[];
  env: Array<[string, string]>;
  execute: string[];
  /** Folders whose files it may exec besides itself (the gate checks every exec). */
  helpers: string[];
  /** The plugin host's egress proxy: the one TCP port it may reach (none: no network at all). */
  egressPort?: number;
}

/** How a program started for a shim ended. */
export interface ProgramOutcome {
  code: number | null;
  signal: number | null;
  ms: number;
  error: string | null;
}

export type ProgramDecision = { run: ProgramRun; ended: (outcome: ProgramOutcome) => void } | { refusal: string };

/** Where programs find the user's git identity (native/supervisor/src/programs.rs). */
const GIT_IDENTITY_IN_SANDBOX = '/run/haloforge-programs/git-identity';

/** Where the gate is in a program's sandbox (native/supervisor/src/programs.rs SHIM_IN_SANDBOX). */
export const GATE_IN_SANDBOX = '/run/haloforge-programs/shim';

const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
/** Programs one plugin may have running at once: each is a sandbox of its own. */
export const MAX_RUNNING = 8;

/**
 * Main's decision on a program a plugin runs (design §8.1): its shim asked, the supervisor waits.
 * Allowed when the manifest's `process_spawn_whitelist` names it (or the plugin holds
 * `process_spawn`) and it is installed where programs are; then it runs with the arguments and
 * environment program-rules allows, on the plugin's own view and network. Every run is audited:
 * the decision with the program, its full arguments (secrets redacted), working folder and
 * environment before it starts, and how it ended after.
 */
/** A program running now, as the egress proxy finds it by the proxy user its run was given. */
interface LiveRun {
  pluginId: string;
  reached: string[];
  refused: string[];
}

export class ProgramService {
  private readonly live = new Map<string, LiveRun>();

  constructor(
    private readonly deps: {
      audit: AuditLog;
      logger: Logger;
      dirs: ProgramDirs;
      /** Whether programs' sandboxes hold the user's git identity (see gitIdentityConfig). */
      gitIdentity: boolean;
    },
  ) {}

  /**
   * The plugin's whitelisted programs: where in its sandbox each one's shim goes (where its PATH
   * finds the name), and the real files, which its programs' sandboxes show over the shims.
   */
  placesFor(plugin: Pick<ServedPlugin['authority'], 'whitelist'>): { shims: string[]; programs: string[] } {
    const found = plugin.whitelist.flatMap((name) => {
      const located = PROGRAM_NAME.test(name) ? locateProgram(name, this.deps.dirs) : undefined;
      return located?.ok ? [located] : [];
    });
    return { shims: found.map((f) => f.at), programs: [...new Set(found.map((f) => f.real))] };
  }

  /** The PATH of a plugin host: where programs are found, as for a user. */
  searchPath(): string {
    return searchOrder(this.deps.dirs).join(':');
  }

  decide(plugin: ServedPlugin, request: ProgramRequest, where: { home: string; egressPort: number | undefined }): ProgramDecision {
    const { authority } = plugin;
    const base = { requestId: randomUUID(), hop: 0, pluginId: authority.pluginId, method: 'SPAWN', url: `process:${request.program.slice(0, 128)}` };
    const shown = `${request.program} ${redactArgs(request.program, request.args).join(' ')}`.trim();
    const refuse = (rule: string, reason: string): ProgramDecision => {
      const { pluginId, method, url } = base;
      this.deps.audit.refuse({ pluginId, method, url, rule, reason: `${shown} in ${request.cwd}: ${reason}` });
      return { refusal: reason };
    };
    if (!PROGRAM_NAME.test(request.program)) return refuse('process:name', `programs are run by name (like "git"): ${JSON.stringify(request.program.slice(0, 200))}`);
    const rule = authority.whitelist.includes(request.program) ? 'process_spawn_whitelist' : authority.holds('process_spawn') ? 'process_spawn' : undefined;
    if (!rule) return refuse('process_spawn_whitelist', `${request.program} is not in the plugin's process_spawn_whitelist (${authority.whitelist.join(', ') || 'empty'})`);
    const running = [...this.live.values()].filter((r) => r.pluginId === authority.pluginId).length;
    if (running >= MAX_RUNNING) return refuse('process:limit', `plugin ${authority.pluginId} already runs ${running} programs, the most allowed at once`);
    const found = locateProgram(request.program, this.deps.dirs);
    if (!found.ok) return refuse('process:not-found', found.reason);
    const network = where.egressPort !== undefined;
    // The run's name as its proxy user: each destination it asks for is noted in its own record
    // (only for this plugin's runs; a name another plugin sends counts for nothing).
    const runName = `hf-run-${randomUUID().replaceAll('-', '')}`;
    const proxy = network ? `http://${runName}:x@127.0.0.1:${where.egressPort}` : undefined;
    const core = request.program === 'git' ? gitCore() : undefined;
    const planned = planProgram(request, { home: where.home, proxy, gitCore: core, ...(this.deps.gitIdentity ? { gitGlobal: GIT_IDENTITY_IN_SANDBOX } : {}) });
    if (!planned.ok) return refuse(`process:${request.program}`, planned.reason);
    const { plan } = planned;
    const interpreter = interpreterOf(found.real);
    const run: ProgramRun = {
      path: found.real,
      args: plan.args,
      env: plan.env,
      execute: [found.real, ...plan.helpers, ...(interpreter ? [interpreter] : []), GATE_IN_SANDBOX],
      helpers: plan.helpers,
      ...(where.egressPort === undefined ? {} : { egressPort: where.egressPort }),
    };
    const reason = `${[found.real, ...redactArgs(request.program, plan.args)].join(' ')} in ${request.cwd}; network ${network ? "through the plugin's egress proxy (each destination decided and audited as the plugin's)" : 'none'}; environment ${redactEnv(plan.env).join(' ')}`;
    // Fail closed: a run that cannot be recorded does not happen.
    try {
      this.deps.audit.append({ time: new Date().toISOString(), ...base, event: 'decision', decision: 'allow', rule, reason });
    } catch (e) {
      return { refusal: `the run could not be audited: ${(e as Error).message}` };
    }
    const live: LiveRun = { pluginId: authority.pluginId, reached: [], refused: [] };
    this.live.set(runName, live);
    const ended = (o: ProgramOutcome) => {
      this.live.delete(runName);
      const exit = o.error ?? (o.signal !== null ? `killed by signal ${o.signal}` : `exit code ${o.code}`);
      const network = [live.reached.length ? `reached ${live.reached.join(', ')}` : '', live.refused.length ? `refused ${live.refused.join(', ')}` : ''].filter(Boolean).join('; ');
      const how = network ? `${exit}; ${network}` : exit;
      this.deps.audit.appendLater(
        {
          time: new Date().toISOString(),
          ...base,
          event: o.error ? 'error' : 'response',
          decision: 'allow',
          rule,
          reason: `${shown}: ${how}`,
          ...(o.code !== null ? { status: o.code } : {}),
          durationMs: o.ms,
          ...(o.error ? { error: o.error } : {}),
        },
        (e) => this.deps.logger.log('error', HOST_TARGET, `audit write failed for the outcome of ${base.url} of ${authority.pluginId}: ${e.message}`),
      );
    };
    return { run, ended };
  }

  /** The run a connection through the egress proxy names, if it is one of this plugin's running now. */
  named(pluginId: string, proxyUser: string): { destination(what: string, allowed: boolean): void } | undefined {
    const run = this.live.get(proxyUser);
    if (!run || run.pluginId !== pluginId) return undefined;
    return { destination: (what, allowed) => (allowed ? run.reached : run.refused).push(what) };
  }
}
