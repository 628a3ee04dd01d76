/**
 * What a program a plugin asked for (through its shim) really runs with (design §8.1): the
 * arguments as asked, unless one is a door to running another program; only the environment
 * variables that program is known to read, by name; and, for git, configuration a repository
 * cannot override that turns off everything in git that runs other programs. Pure: the service
 * around it finds the program, decides on the permission and audits.
 */

export interface ProgramRequest {
  /** The name the plugin ran (`git`), never a path. */
  program: string;
  args: readonly string[];
  /** The plugin's working folder, in its view (at its real path). */
  cwd: string;
  env: ReadonlyArray<readonly [string, string]>;
}

export interface ProgramPlan {
  args: string[];
  env: Array<[string, string]>;
  /** Folders whose files the program may execute besides itself (git's git-core). */
  helpers: string[];
}

export type Planned = { ok: true; plan: ProgramPlan } | { ok: false; reason: string };

/** Where programs are found, as on a user's machine; the plugin's sandbox has the same PATH. */
export const PROGRAM_PATH = ['/usr/local/bin', '/usr/bin', '/bin'];

/** Set for every program: what a sandbox has, not what the plugin says. */
function baseEnv(home: string, proxy: string | undefined): Array<[string, string]> {
  const env: Array<[string, string]> = [
    ['PATH', PROGRAM_PATH.join(':')],
    ['HOME', home],
    ['TMPDIR', home],
  ];
  if (proxy) for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) env.push([name, proxy]);
  return env;
}

/** Variables any program may be given: the locale, the time zone, the terminal's kind. */
const COMMON_VARIABLES = /^(LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|NO_COLOR|COLUMNS|LINES)$/;

/** git's own variables that only say who, where and how to show, never what to run. */
const GIT_VARIABLES = new Set([
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_NAMESPACE',
  'GIT_OPTIONAL_LOCKS',
  'GIT_LITERAL_PATHSPECS',
  'GIT_FLUSH',
  'GIT_MERGE_VERBOSITY',
  'GIT_DEFAULT_HASH',
]);

/** p4's variables that real plugins set (P4PASSWD and P4TICKETS are secrets: redacted in the audit). */
const P4_VARIABLES = new Set(['P4PORT', 'P4USER', 'P4CLIENT', 'P4PASSWD', 'P4CONFIG', 'P4CHARSET', 'P4HOST', 'P4TICKETS', 'P4TRUST', 'P4IGNORE', 'P4DIFF_OPTIONS', 'P4COMMANDCHARSET', 'P4LANGUAGE', 'P4ENVIRO']);

/** Variables whose values are never written to the audit or the log. */
export const SECRET_VARIABLES = /PASSW|TOKEN|SECRET|TICKET|KEY|CREDENTIAL/i;

/**
 * Configuration set on git's command line scope (`GIT_CONFIG_COUNT`), which no repository,
 * user or system file can override: no hooks, no fsmonitor, no pager, editor, credential helper
 * or askpass, no ssh, no transport but local files and http(s) (through the plugin's egress
 * proxy). What no setting can turn off (an external diff driver a repository names) the gate
 * stops: it lets the program execute only itself and its own helpers.
 */
function gitConfig(proxy: string | undefined): Array<[string, string]> {
  const config: Array<[string, string]> = [
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    ['core.pager', 'cat'],
    ['core.editor', ':'],
    ['core.askPass', ''],
    ['core.sshCommand', 'false'],
    ['credential.helper', ''],
    ['sequence.editor', ':'],
    ['gpg.program', 'false'],
    ['protocol.allow', 'never'],
    ['protocol.file.allow', 'always'],
    ['protocol.http.allow', proxy ? 'always' : 'never'],
    ['protocol.https.allow', proxy ? 'always' : 'never'],
    ['safe.directory', '*'],
  ];
  if (proxy) config.push(['http.proxy', proxy], ['http.proxyAuthMethod', 'basic']);
  return config;
}

/** git's own commands a plugin may run: an alias by any other name could run a shell command. */
const GIT_COMMANDS = new Set([
  'add', 'am', 'annotate', 'apply', 'archive', 'bisect', 'blame', 'branch', 'bundle', 'cat-file', 'check-attr', 'check-ignore', 'check-ref-format', 'checkout', 'cherry', 'cherry-pick',
  'clean', 'clone', 'commit', 'commit-graph', 'commit-tree', 'config', 'count-objects', 'describe', 'diff', 'diff-files', 'diff-index', 'diff-tree', 'fetch', 'for-each-ref', 'format-patch',
  'fsck', 'gc', 'grep', 'hash-object', 'init', 'log', 'ls-files', 'ls-remote', 'ls-tree', 'merge', 'merge-base', 'mv', 'name-rev', 'notes', 'pull', 'push', 'range-diff', 'read-tree',
  'rebase', 'reflog', 'remote', 'repack', 'replace', 'reset', 'restore', 'rev-list', 'rev-parse', 'revert', 'rm', 'shortlog', 'show', 'show-branch', 'show-ref', 'sparse-checkout', 'stash',
  'status', 'submodule', 'switch', 'symbolic-ref', 'tag', 'update-index', 'update-ref', 'verify-commit', 'version', 'whatchanged', 'worktree', 'write-tree',
]);

/** git options before the command that take a value as the next argument. */
const GIT_GLOBAL_WITH_VALUE = new Set(['-C', '--git-dir', '--work-tree', '--namespace']);

/** Options that make git run a program or read configuration of the caller's choosing, wherever they stand. */
const GIT_REFUSED_OPTIONS = ['--config-env', '--exec-path', '--upload-pack', '--receive-pack', '--ext-diff', '--textconv', '--open-files-in-pager', '--exec', '--extcmd', '--tool'];
/** The same as short options, each only for the command it means it in (`-u` is `--update` to add). */
const GIT_REFUSED_SHORT: Record<string, string> = { clone: '-u', rebase: '-x', grep: '-O' };

function gitProblem(args: readonly string[]): string | undefined {
  let command: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] as string;
    if (command === undefined && GIT_GLOBAL_WITH_VALUE.has(a)) {
      i += 1;
      continue;
    }
    const refused = GIT_REFUSED_OPTIONS.find((r) => a.split('=')[0] === r) ?? (command === undefined && a.startsWith('-c') && !a.startsWith('--') ? '-c' : undefined);
    const short = command === undefined ? undefined : GIT_REFUSED_SHORT[command];
    const refusedShort = short !== undefined && a.startsWith(short) && !a.startsWith('--') ? short : undefined;
    if (refused ?? refusedShort) return `git ${refused ?? `${command} ${refusedShort}`} is refused: it would let git run another program or read configuration of the plugin's choosing`;
    if (/(^|[^a-z])ext::/i.test(a)) return 'the ext:: transport is refused: it runs a command';
    if (command === undefined && !a.startsWith('-')) {
      command = a;
      if (!GIT_COMMANDS.has(a)) return `git ${JSON.stringify(a.slice(0, 60))} is not one of git's own commands (an alias could run a shell command)`;
    }
  }
  return undefined;
}

/**
 * What the program asked for runs with. `home` is the plugin's private temporary folder (what
 * programs see as HOME); `proxy` the plugin's egress proxy, when the plugin may use the network.
 */
export function planProgram(request: ProgramRequest, opts: { home: string; proxy: string | undefined; gitCore: string | undefined; gitGlobal?: string }): Planned {
  const env = baseEnv(opts.home, opts.proxy);
  const mine = (allowed: (name: string) => boolean) => request.env.filter(([k]) => allowed(k) && !env.some(([e]) => e === k)).map(([k, v]): [string, string] => [k, v]);
  if (request.program === 'git') {
    const problem = gitProblem(request.args);
    if (problem) return { ok: false, reason: problem };
    const config = gitConfig(opts.proxy);
    env.push(
      ['GIT_CONFIG_NOSYSTEM', '1'],
      // The user's global configuration is not read: only their name and email, as main wrote them (see gitIdentityConfig).
      ['GIT_CONFIG_GLOBAL', opts.gitGlobal ?? '/dev/null'],
      ['GIT_TERMINAL_PROMPT', '0'],
      ['GIT_EDITOR', ':'],
      ['GIT_PAGER', 'cat'],
      ['GIT_CONFIG_COUNT', String(config.length)],
      ...config.flatMap(([k, v], i): Array<[string, string]> => [
        [`GIT_CONFIG_KEY_${i}`, k],
        [`GIT_CONFIG_VALUE_${i}`, v],
      ]),
    );
    env.push(...mine((k) => COMMON_VARIABLES.test(k) || GIT_VARIABLES.has(k)));
    return { ok: true, plan: { args: [...request.args], env, helpers: opts.gitCore ? [opts.gitCore] : [] } };
  }
  if (request.program === 'p4') {
    env.push(...mine((k) => COMMON_VARIABLES.test(k) || P4_VARIABLES.has(k)));
    return { ok: true, plan: { args: [...request.args], env, helpers: [] } };
  }
  env.push(...mine((k) => COMMON_VARIABLES.test(k)));
  return { ok: true, plan: { args: [...request.args], env, helpers: [] } };
}

/**
 * The user's git identity as a configuration file of its own (what a program's git reads as its
 * global configuration: nothing else of the user's), or undefined when there is none to give or
 * a value cannot be written safely.
 */
export function gitIdentityConfig(identity: { name?: string; email?: string }): string | undefined {
  const lines: string[] = [];
  for (const key of ['name', 'email'] as const) {
    const value = identity[key];
    if (value === undefined || value === '') continue;
    if (/[\0-\x1f\x7f]/.test(value) || value.length > 256) return undefined;
    lines.push(`\t${key} = "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  }
  return lines.length ? `[user]\n${lines.join('\n')}\n` : undefined;
}

/** Arguments as the audit shows them: credentials in URLs and p4's `-P <password>` redacted. */
export function redactArgs(program: string, args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] as string;
    if (program === 'p4' && a === '-P' && i + 1 < args.length) {
      out.push(a, '[redacted]');
      i += 1;
      continue;
    }
    out.push(a.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1[redacted]@'));
  }
  return out;
}

/** The environment as the audit shows it: secrets' values redacted, git's fixed configuration (`GIT_CONFIG_*`) left out. */
export function redactEnv(env: ReadonlyArray<readonly [string, string]>): string[] {
  return env.filter(([k]) => !k.startsWith('GIT_CONFIG_')).map(([k, v]) => (SECRET_VARIABLES.test(k) ? `${k}=[redacted]` : `${k}=${v.replace(/(\/\/)[^/@\s]*@/g, '$1[redacted]@')}`));
}
