import { describe, expect, it } from 'vitest';
import { gitIdentityConfig, planProgram, redactArgs, redactEnv, type ProgramRequest } from './program-rules';

const where = { home: '/run/haloforge-tmp', proxy: undefined, gitCore: '/usr/lib/git-core' };
const ask = (program: string, args: string[], env: Array<[string, string]> = []): ProgramRequest => ({ program, args, cwd: '/srv/repo', env });
const envOf = (planned: ReturnType<typeof planProgram>) => (planned.ok ? Object.fromEntries(planned.plan.env) : {});

describe('what a program a plugin runs is given', () => {
  it.each([
    [['-c', 'alias.x=!id', 'x'], 'git -c is refused'],
    [['--config-env=core.pager=X', 'log'], '--config-env is refused'],
    [['--exec-path=/tmp', 'status'], '--exec-path is refused'],
    [['fetch', '--upload-pack=touch x', 'origin'], '--upload-pack is refused'],
    [['push', '--receive-pack', 'touch x', 'origin'], '--receive-pack is refused'],
    [['clone', '-u', 'touch x', '/srv/a'], 'git clone -u is refused'],
    [['rebase', '-xmake', 'main'], 'git rebase -x is refused'],
    [['grep', '-Oless', 'x'], 'git grep -O is refused'],
    [['rebase', '--exec', 'make', 'main'], '--exec is refused'],
    [['ls-remote', 'ext::sh -c id'], 'ext:: transport is refused'],
    [['fetch', 'EXT::sh'], 'ext:: transport is refused'],
    [['st'], '"st" is not one of git\'s own commands'],
    [['-C', '/srv', 'frobnicate'], '"frobnicate" is not one of git\'s own commands'],
  ])('git %j is refused: %s', (args, why) => {
    const planned = planProgram(ask('git', args), where);
    expect(planned).toEqual({ ok: false, reason: expect.stringContaining(why) as string });
  });

  it('runs git with its own commands and options as asked, a value after -C included', () => {
    for (const args of [['status', '--short'], ['-C', '/srv/repo', 'log', '-n', '3'], ['commit', '-m', '-c'], ['add', '-u'], ['cherry-pick', '-x', 'abc'], ['log', '-O', 'order.txt'], ['--no-pager', 'diff']]) {
      expect(planProgram(ask('git', args), where)).toMatchObject({ ok: true, plan: { args } });
    }
  });

  it("gives git configuration no repository can override, and only git's harmless variables of the plugin's", () => {
    const planned = planProgram(
      ask('git', ['status'], [
        ['GIT_AUTHOR_NAME', 'Ana'],
        ['GIT_SSH_COMMAND', 'touch x'],
        ['GIT_EXTERNAL_DIFF', 'touch x'],
        ['GIT_CONFIG_GLOBAL', '/srv/evil'],
        ['LD_PRELOAD', '/srv/evil.so'],
        ['HOME', '/srv'],
        ['LANG', 'de_DE.UTF-8'],
      ]),
      where,
    );
    const env = envOf(planned);
    expect(env).toMatchObject({ GIT_AUTHOR_NAME: 'Ana', LANG: 'de_DE.UTF-8', HOME: '/run/haloforge-tmp', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' });
    for (const gone of ['GIT_SSH_COMMAND', 'GIT_EXTERNAL_DIFF', 'LD_PRELOAD']) expect(env).not.toHaveProperty(gone);
    const config = Object.fromEntries(Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]));
    expect(config).toMatchObject({ 'core.hooksPath': '/dev/null', 'core.fsmonitor': 'false', 'core.sshCommand': 'false', 'credential.helper': '', 'protocol.allow': 'never', 'protocol.file.allow': 'always', 'protocol.http.allow': 'never' });
    expect(planned).toMatchObject({ ok: true, plan: { helpers: ['/usr/lib/git-core'] } });
  });

  it("points a program's network at the plugin's egress proxy, git's through http.proxy with its run's name", () => {
    const proxy = 'http://hf-run-1:x@127.0.0.1:4040';
    const env = envOf(planProgram(ask('git', ['fetch']), { ...where, proxy }));
    expect(env).toMatchObject({ HTTPS_PROXY: proxy, http_proxy: proxy });
    const config = Object.fromEntries(Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]));
    expect(config).toMatchObject({ 'http.proxy': proxy, 'http.proxyAuthMethod': 'basic', 'protocol.https.allow': 'always' });
  });

  it("gives p4 the P4 variables real plugins set, and any other program only the locale's", () => {
    const mine: Array<[string, string]> = [
      ['P4PORT', 'ssl:p4:1666'],
      ['P4PASSWD', 'secret'],
      ['P4CONFIG', ''],
      ['AWS_SECRET_ACCESS_KEY', 'x'],
      ['LC_ALL', 'C'],
    ];
    expect(envOf(planProgram(ask('p4', ['info'], mine), where))).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/run/haloforge-tmp', TMPDIR: '/run/haloforge-tmp', P4PORT: 'ssl:p4:1666', P4PASSWD: 'secret', P4CONFIG: '', LC_ALL: 'C' });
    expect(envOf(planProgram(ask('sort', [], mine), where))).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/run/haloforge-tmp', TMPDIR: '/run/haloforge-tmp', LC_ALL: 'C' });
  });

  it('shows arguments and environment in the audit with their secrets redacted', () => {
    expect(redactArgs('git', ['push', 'https://ana:tok3n@git.example/r.git'])).toEqual(['push', 'https://[redacted]@git.example/r.git']);
    expect(redactArgs('p4', ['-P', 'secret', 'info'])).toEqual(['-P', '[redacted]', 'info']);
    expect(redactEnv([['P4PASSWD', 'secret'], ['HTTP_PROXY', 'http://hf-run-1:x@127.0.0.1:4040'], ['GIT_CONFIG_KEY_0', 'core.hooksPath'], ['P4USER', 'ana']])).toEqual(['P4PASSWD=[redacted]', 'HTTP_PROXY=http://[redacted]@127.0.0.1:4040', 'P4USER=ana']);
  });
});

describe("the user's git identity, as programs get it", () => {
  it('is a configuration file of a [user] section only, its values quoted', () => {
    expect(gitIdentityConfig({ name: 'Ana "the" Example', email: 'ana@example.invalid' })).toBe('[user]\n\tname = "Ana \\"the\\" Example"\n\temail = "ana@example.invalid"\n');
    expect(gitIdentityConfig({ email: 'a\\b@example.invalid' })).toBe('[user]\n\temail = "a\\\\b@example.invalid"\n');
  });

  it('is nothing when there is none, or when a value would break out of its line', () => {
    expect(gitIdentityConfig({})).toBeUndefined();
    expect(gitIdentityConfig({ name: 'Ana\n[core]\n\tfsmonitor = /bin/evil' })).toBeUndefined();
  });

  it('is what git reads as its global configuration, or nothing', () => {
    expect(envOf(planProgram(ask('git', ['log']), { ...where, gitGlobal: '/run/haloforge-programs/git-identity' })).GIT_CONFIG_GLOBAL).toBe('/run/haloforge-programs/git-identity');
    expect(envOf(planProgram(ask('git', ['log']), where)).GIT_CONFIG_GLOBAL).toBe('/dev/null');
  });
});
