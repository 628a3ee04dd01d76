import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { AuditLog } from '../audit/log';
import type { AuditEntry } from '../audit/entry';
import { decideFileAccess } from '../files/file-access';
import { isWithin, realPath } from '../files/real-path';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type Logger } from '../log/logger';
import { decideFromAnswer } from '../grants/prompt-answer';
import { describeLasting } from '../grants/terms';
import type { PromptService } from '../prompts/service';
import type { ServedPlugin } from '../plugins/authority';
import { untrustedReason, type Bubblewrap } from '../sandbox/bubblewrap';
import { bwrapArguments } from '../sandbox/view';
import { programView } from './program-view';

/** Where programs are looked up, by main, in this order: never the plugin's or the user's PATH. */
export const SAFE_PATH = ['/usr/local/bin', '/usr/bin', '/bin'];

export interface ProcessLimits {
  /** A program still running after this is killed. */
  timeoutMs: number;
  /** Output kept of each of stdout and stderr; a program that writes more is killed. */
  maxOutputBytes: number;
  maxConcurrentPerPlugin: number;
  maxArgBytes: number;
}

export const DEFAULT_PROCESS_LIMITS: ProcessLimits = { timeoutMs: 50_000, maxOutputBytes: 8 * 1024 * 1024, maxConcurrentPerPlugin: 4, maxArgBytes: 1024 * 1024 };

export type ProcessAnswer = { ok: true; exitCode: number; stdout: string; stderr: string } | { ok: false; kind: 'permission' | 'process'; message: string };

const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

class Refusal extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `ctx.process()`, done by main (design §8): the plugin host cannot start programs at all. Main
 * checks the program against the manifest, finds it by name in a fixed safe PATH, and runs it in a
 * bubblewrap sandbox of its own that sees the system read-only and only the folders the user
 * granted this plugin; it has no network unless the user allowed that program to use it. Every
 * start and every refusal is audited.
 */
export class ProcessService {
  private readonly limits: ProcessLimits;
  private readonly running = new Map<string, Set<() => void>>();
  /** "Deny" to a program's network, remembered until the app restarts so the user is not asked at every run. */
  private readonly offline = new Set<string>();

  constructor(
    private readonly deps: {
      grants: GrantStore;
      prompts: PromptService;
      audit: AuditLog;
      logger: Logger;
      bubblewrap: Bubblewrap;
      protectedRoots: readonly string[];
      limits?: Partial<ProcessLimits>;
    },
  ) {
    this.limits = { ...DEFAULT_PROCESS_LIMITS, ...deps.limits };
  }

  async run(plugin: ServedPlugin, program: string, args: readonly string[], cwd: string | null): Promise<ProcessAnswer> {
    const requestId = randomUUID();
    const base = { requestId, hop: 0, pluginId: plugin.authority.pluginId, method: 'SPAWN', url: `process:${program.slice(0, 128)}` };
    let path: string;
    let rule: string;
    let folder: string;
    let folders: { read: string[]; write: string[] };
    let network: { allowed: boolean; why: string; grantId?: string; prompt?: AuditEntry['prompt'] };
    try {
      rule = this.permitted(plugin, program);
      this.checkArgs(args);
      path = this.resolve(program);
      folders = this.grantedFolders(plugin);
      folder = await this.workingFolder(plugin, program, cwd, folders);
      network = await this.networkFor(plugin, program, path, args, cwd, rule);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      this.audit({ ...base, event: 'decision', decision: 'deny', rule: e.rule, reason: e.message });
      return { ok: false, kind: 'permission', message: e.message };
    }
    const reason = `${path}${args.length ? ` with ${args.length} argument${args.length === 1 ? '' : 's'}` : ''} in ${folder}; network ${network.allowed ? 'allowed' : 'off'} (${network.why})${this.deps.bubblewrap.ok ? '' : '; NOT sandboxed: bubblewrap is unavailable and unconfined plugins are allowed'}`;
    this.audit({ ...base, event: 'decision', decision: 'allow', rule, reason, grantId: network.grantId, prompt: network.prompt });
    return this.start(plugin, { path, args, folder, folders, network: network.allowed }, (entry) =>
      this.deps.audit.appendLater({ time: new Date().toISOString(), ...base, decision: 'allow', rule, reason, ...entry }, (e) =>
        this.deps.logger.log('error', HOST_TARGET, `audit write failed for the outcome of ${base.url} of ${plugin.authority.pluginId}: ${e.message}`),
      ),
    );
  }

  /** Ends every program a plugin started (its plugin host is gone: nobody waits for them). */
  stopAll(pluginId: string): void {
    for (const kill of this.running.get(pluginId) ?? []) kill();
  }

  private permitted(plugin: ServedPlugin, program: string): string {
    if (!PROGRAM_NAME.test(program)) throw new Refusal('process:name', `programs are run by name (like "git"), not by path: ${JSON.stringify(program.slice(0, 200))}`);
    if (plugin.authority.whitelist.includes(program)) return 'process_spawn_whitelist';
    if (plugin.authority.holds('process_spawn')) return 'process_spawn';
    throw new Refusal('process_spawn_whitelist', `${program} is not in the plugin's process_spawn_whitelist (${plugin.authority.whitelist.join(', ') || 'empty'})`);
  }

  private checkArgs(args: readonly string[]): void {
    const bytes = args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    if (bytes > this.limits.maxArgBytes) throw new Refusal('process:arguments', `the arguments take ${bytes} bytes, more than the ${this.limits.maxArgBytes} allowed`);
    if (args.some((a) => a.includes('\0'))) throw new Refusal('process:arguments', 'an argument holds a NUL character');
  }

  /** The program's file, found by main in SAFE_PATH and installed by root. */
  private resolve(program: string): string {
    for (const dir of SAFE_PATH) {
      const candidate = join(dir, program);
      let real: string;
      try {
        real = realpathSync(candidate);
        if (!statSync(real).isFile()) continue;
      } catch {
        continue;
      }
      const problem = untrustedReason(real);
      if (problem) throw new Refusal('process:untrusted', `${candidate} is not run: ${problem}`);
      return real;
    }
    throw new Refusal('process:not-found', `${program} is not installed (looked in ${SAFE_PATH.join(', ')})`);
  }

  /** The folders the user granted this plugin, without any that reach the host's own state. */
  private grantedFolders(plugin: ServedPlugin): { read: string[]; write: string[] } {
    const read: string[] = [];
    const write: string[] = [];
    for (const g of plugin.authority.grants.files) {
      if (this.deps.protectedRoots.some((root) => isWithin(g.folder, root) || isWithin(root, g.folder))) continue;
      (g.permission === 'filesystem_write' ? write : read).push(g.folder);
    }
    return { read, write };
  }

  /**
   * Where the program runs: its data folder, a granted folder, or a folder the user allows now
   * (as for `ctx.fs()`: `filesystem_read` is needed, and the first use asks). Without `cwd`, a
   * private temporary folder.
   */
  private async workingFolder(plugin: ServedPlugin, program: string, cwd: string | null, folders: { read: string[]; write: string[] }): Promise<string> {
    if (cwd === null) return '/tmp';
    if (!isAbsolute(cwd)) throw new Refusal('process:cwd', `the working folder must be an absolute path: ${cwd}`);
    const real = realPath(cwd);
    if (isWithin(real, plugin.dataDir) || [...folders.read, ...folders.write].some((f) => isWithin(real, f))) return real;
    const root = this.deps.protectedRoots.find((r) => isWithin(real, r) || isWithin(r, real));
    if (root) throw new Refusal('host-state', `${real} belongs to HaloForge Host itself (${root}): no program runs there for a plugin`);
    if (!plugin.authority.holds('filesystem_read') && !plugin.authority.holds('filesystem_write')) {
      throw new Refusal('filesystem_read', `running ${program} in ${real} needs the filesystem_read permission`);
    }
    const decided = await decideFileAccess({ plugin: plugin.authority, path: real, folder: real, write: false, purpose: `to run ${program} there` }, this.deps);
    if (!decided.ok) throw new Refusal('filesystem_read', decided.message);
    // Allowed once or always, this run sees the folder (read-only; an "always" is in the grants now too).
    folders.read.push(real);
    return real;
  }

  private async networkFor(plugin: ServedPlugin, program: string, path: string, args: readonly string[], cwd: string | null, rule: string): Promise<{ allowed: boolean; why: string; grantId?: string; prompt?: AuditEntry['prompt'] }> {
    const grant = plugin.authority.grants.programs.find((g) => g.program === program);
    if (grant) {
      this.deps.grants.touch(grant.id);
      return { allowed: true, why: `the user allowed ${program} the network ${describeLasting(grant.lasts)}`, grantId: grant.id };
    }
    const key = `${plugin.authority.pluginId}\n${program}`;
    if (this.offline.has(key)) return { allowed: false, why: `the user denied ${program} the network earlier` };
    const prompt = await this.deps.prompts.ask({
      kind: 'program-network',
      pluginId: plugin.authority.pluginId,
      pluginName: plugin.authority.name,
      permission: rule === 'process_spawn' ? 'process_spawn' : 'process_spawn_whitelist',
      tier: 'Sensitive',
      program,
      path,
      args: args.slice(0, 20).map((a) => a.slice(0, 200)),
      cwd,
      reason: `plugin ${plugin.authority.pluginId} runs ${program} for the first time: programs have no network unless the user allows it`,
    });
    const answered = decideFromAnswer(prompt, this.deps.prompts, (terms) => this.deps.grants.addProgram({ pluginId: plugin.authority.pluginId, permission: 'program_network', program, ...terms }));
    if (answered.allowed && answered.lasts) return { allowed: true, why: `the user allowed ${program} the network ${describeLasting(answered.lasts)}`, grantId: answered.grantId, prompt };
    if (answered.allowed) return { allowed: true, why: 'the user allowed it for this run', prompt };
    if (prompt === 'deny') this.offline.add(key);
    return { allowed: false, why: answered.why, prompt };
  }

  private audit(entry: Omit<AuditEntry, 'time'>): void {
    // Fail closed: a start that cannot be recorded does not happen (the caller's refusal says why).
    this.deps.audit.append({ time: new Date().toISOString(), ...entry });
  }

  private start(
    plugin: ServedPlugin,
    run: { path: string; args: readonly string[]; folder: string; folders: { read: string[]; write: string[] }; network: boolean },
    outcome: (entry: Partial<AuditEntry> & Pick<AuditEntry, 'event'>) => void,
  ): Promise<ProcessAnswer> {
    const mine = this.running.get(plugin.authority.pluginId) ?? new Set();
    if (mine.size >= this.limits.maxConcurrentPerPlugin) {
      const message = `plugin ${plugin.authority.pluginId} already runs ${mine.size} programs, the most allowed at once`;
      outcome({ event: 'error', error: message });
      return Promise.resolve({ ok: false, kind: 'process', message });
    }
    const bwrap = this.deps.bubblewrap;
    const env = { PATH: SAFE_PATH.join(':'), HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8' };
    const [command, argv] = bwrap.ok
      ? [bwrap.path, [...bwrapArguments(programView(run.folders, { dataDir: plugin.dataDir, network: run.network, cwd: run.folder })), '--', run.path, ...run.args]]
      : [run.path, [...run.args]];
    const started = performance.now();
    return new Promise((resolve) => {
      // Its own process group, so that a kill reaches whatever it started.
      const child = spawn(command, argv, { cwd: bwrap.ok ? '/' : run.folder, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
      let ended: string | undefined;
      const kill = (why: string) => {
        ended ??= why;
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      };
      const stopForHost = () => kill('its plugin host stopped');
      mine.add(stopForHost);
      this.running.set(plugin.authority.pluginId, mine);
      const timer = setTimeout(() => kill(`it ran longer than ${this.limits.timeoutMs} ms`), this.limits.timeoutMs);
      for (const stream of ['stdout', 'stderr'] as const) {
        let kept = 0;
        child[stream].on('data', (chunk: Buffer) => {
          kept += chunk.length;
          out.bytes += chunk.length;
          if (kept > this.limits.maxOutputBytes) kill(`it wrote more than ${this.limits.maxOutputBytes} bytes to ${stream}`);
          else out[stream].push(chunk);
        });
      }
      const finish = (answer: ProcessAnswer, entry: Partial<AuditEntry> & Pick<AuditEntry, 'event'>) => {
        clearTimeout(timer);
        mine.delete(stopForHost);
        outcome({ ...entry, bytes: out.bytes, durationMs: performance.now() - started });
        resolve(answer);
      };
      child.on('error', (e) => finish({ ok: false, kind: 'process', message: `cannot run ${run.path}: ${e.message}` }, { event: 'error', error: e.message }));
      child.on('close', (code, signal) => {
        if (ended) return finish({ ok: false, kind: 'process', message: `${run.path} was stopped: ${ended}` }, { event: 'error', error: ended });
        const exitCode = code ?? (signal ? 128 : -1);
        const stdout = Buffer.concat(out.stdout).toString('utf8');
        const stderr = Buffer.concat(out.stderr).toString('utf8');
        finish({ ok: true, exitCode, stdout, stderr }, { event: 'response', status: exitCode });
      });
    });
  }
}
