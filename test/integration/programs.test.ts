/**
 * Programs as real plugins start them (design §8.1): `std::process::Command::new("git")` in the
 * plugin's own code, no `ctx.process()`. The name finds a shim in the sandbox; main decides and
 * audits; the real git runs in a sandbox of its own on the plugin's view, its network the plugin's.
 * Every test judges the real repository, the bare origin, the server or the stub's own log.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareOrigin, git, gitHttpServer, repository } from '../helpers/git-repos';
import { startedHost } from '../helpers/hosts';
import { scratchHome } from '../helpers/per-test';
import { release } from '../helpers/fixtures';

const GIT = 'dev.haloforge.sample.git-tools';
const P4 = 'dev.haloforge.sample.p4-tools';
const GIT_STATUS = 'dev.haloforge.sample.git-status';

/** A host with the git sample; its user allows the network to whatever asks (the local network switch still decides loopback). */
function gitHost() {
  return startedHost([{ sample: 'git-tools' }], (p) => (p.kind === 'network' ? 'allow-always' : 'deny'));
}

describe('a git plugin written with std::process::Command', () => {
  it('shows, stages, unstages, commits, branches, stashes and discards in the repository the user granted', async () => {
    const repo = repository('work');
    const { host } = await gitHost();
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' }, 'panel');
    await expect(host.plugins.invoke(GIT, 'status', { repo })).resolves.toEqual({ branch: 'main', changes: [{ status: '??', path: 'notes.txt' }] });
    await expect(host.plugins.invoke(GIT, 'log', { repo, limit: 5 })).resolves.toMatchObject({ commits: [{ subject: 'Second commit in work' }, { subject: 'First commit' }] });

    await host.plugins.invoke(GIT, 'stage', { repo, paths: ['notes.txt'] });
    expect(git(repo, 'diff', '--cached', '--name-only')).toBe('notes.txt');
    await host.plugins.invoke(GIT, 'unstage', { repo, paths: ['notes.txt'] });
    expect(git(repo, 'diff', '--cached', '--name-only')).toBe('');
    await host.plugins.invoke(GIT, 'stage', { repo, paths: ['notes.txt'] });
    const committed = (await host.plugins.invoke(GIT, 'commit', { repo, message: 'Add notes' })) as { head: string };
    expect(git(repo, 'log', '-1', '--format=%H %s')).toBe(`${committed.head} Add notes`);

    await host.plugins.invoke(GIT, 'checkout', { repo, branch: 'feature', create: true });
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature');
    writeFileSync(join(repo, 'README.md'), '# changed\n');
    await expect(host.plugins.invoke(GIT, 'diff', { repo })).resolves.toMatchObject({ diff: expect.stringContaining('+# changed') as string });
    await host.plugins.invoke(GIT, 'stash', { repo, action: 'push' });
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# second\n');
    await host.plugins.invoke(GIT, 'stash', { repo, action: 'pop' });
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# changed\n');
    await host.plugins.invoke(GIT, 'discard', { repo, paths: ['README.md'] });
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# second\n');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    // Each run is in the audit with its full arguments and working folder, and how it ended (the
    // outcome line follows the run's end, so it may come a moment after the command's answer).
    const runs = () => host.audit.query({ pluginId: GIT }).filter((e) => e.method === 'SPAWN');
    expect(runs().filter((e) => e.event === 'decision').map((e) => e.reason)).toContainEqual(expect.stringMatching(new RegExp(`/git commit -m Add notes in ${repo}; network`)));
    await expect.poll(() => runs().filter((e) => e.event === 'response').length).toBe(runs().filter((e) => e.event === 'decision').length);
    expect(runs().filter((e) => e.event === 'response').every((e) => e.status === 0 && typeof e.durationMs === 'number')).toBe(true);
  });

  it('pushes to and fetches from a bare origin in another folder the user granted', async () => {
    const repo = repository('work');
    const origin = bareOrigin(repo, join(scratchHome(), 'origin.git'));
    git(repo, 'remote', 'add', 'origin', origin);
    const { host } = await gitHost();
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' }, 'panel');
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: origin, via: 'test' }, 'panel');
    await host.plugins.invoke(GIT, 'stage', { repo, paths: ['notes.txt'] });
    const { head } = (await host.plugins.invoke(GIT, 'commit', { repo, message: 'Add notes' })) as { head: string };
    await expect(host.plugins.invoke(GIT, 'push', { repo, branch: 'main' })).resolves.toEqual({ pushed: 'main', to: 'origin' });
    expect(git(origin, 'rev-parse', 'main')).toBe(head);

    // Someone else pushes; the plugin fetches it.
    const other = join(scratchHome(), 'other');
    git(scratchHome(), 'clone', '-q', origin, other);
    git(other, 'config', 'user.name', 'Other');
    git(other, 'config', 'user.email', 'other@example.invalid');
    git(other, 'commit', '-q', '--allow-empty', '-m', 'From elsewhere');
    git(other, 'push', '-q', 'origin', 'main');
    await expect(host.plugins.invoke(GIT, 'fetch', { repo })).resolves.toEqual({ fetched: 'origin' });
    expect(git(repo, 'log', '-1', '--format=%s', 'origin/main')).toBe('From elsewhere');
  });

  it('reaches an http remote through the egress proxy only with the local network switch on, each destination audited', async () => {
    const served = scratchHome();
    const repo = repository('work');
    bareOrigin(repo, join(served, 'repo.git'));
    const server = await gitHttpServer(served);
    try {
      const remote = `http://127.0.0.1:${server.port}/repo.git`;
      const { host } = await gitHost();
      host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' }, 'panel');
      const off = (await host.plugins.invoke(GIT, 'run', { repo, args: ['ls-remote', remote] })) as { code: number; stderr: string };
      expect(off.code).not.toBe(0);
      expect(server.seen).toEqual([]);
      expect(host.audit.query({ pluginId: GIT, decision: 'deny' }).map((e) => [e.url, e.rule])).toContainEqual([expect.stringContaining(`127.0.0.1:${server.port}`) as string, expect.stringMatching(/loopback/) as string]);

      host.grants.setLocalNetwork(GIT, true, 'panel');
      const on = (await host.plugins.invoke(GIT, 'run', { repo, args: ['ls-remote', remote] })) as { code: number; stdout: string; stderr: string };
      expect(on).toMatchObject({ code: 0, stderr: '' });
      expect(on.stdout).toContain('refs/heads/main');
      expect(server.seen[0]).toMatch(/^GET \/repo.git\/info\/refs\?service=git-upload-pack/);
      git(join(served, 'repo.git'), 'update-ref', 'refs/heads/served', 'main');
      await expect(host.plugins.invoke(GIT, 'run', { repo, args: ['fetch', remote, 'served'] })).resolves.toMatchObject({ code: 0 });
      expect(git(repo, 'rev-parse', 'FETCH_HEAD')).toBe(git(join(served, 'repo.git'), 'rev-parse', 'served'));
      // Each run's own record says where it went, and where it was refused.
      const outcomes = () => host.audit.query({ pluginId: GIT }).filter((e) => e.method === 'SPAWN' && e.event === 'response' && e.reason.includes('ls-remote'));
      const refs = `GET http://127.0.0.1:${server.port}/repo.git/info/refs?service=git-upload-pack`;
      await expect.poll(() => outcomes().map((e) => e.reason)).toEqual([expect.stringContaining(`exit code 128; refused ${refs}`) as string, expect.stringContaining(`exit code 0; reached ${refs}`) as string]);
      expect(host.audit.query({ pluginId: GIT, decision: 'allow' }).map((e) => e.url)).toContainEqual(expect.stringContaining(`127.0.0.1:${server.port}/repo.git/info/refs`) as string);
    } finally {
      await server.close();
    }
  });
});

describe('a git plugin run as users do', () => {
  it('is asked about the repository on first use, as its working folder, and then runs there', async () => {
    const repo = repository('asked');
    const { host, asked } = await startedHost([{ sample: 'git-tools' }], (p) => (p.kind === 'file' ? 'allow-always' : 'deny'));
    await expect(host.plugins.invoke(GIT, 'status', { repo })).resolves.toMatchObject({ branch: 'main' });
    expect(asked).toMatchObject([{ kind: 'file', pluginId: GIT, folder: repo }]);
    expect(host.grants.listFiles(GIT)).toMatchObject([{ folder: repo }]);
    // A program's sandbox is made ahead of time: one granted after it was made is in its view,
    // and one revoked is gone from it.
    const later = repository('later');
    await expect(host.plugins.invoke(GIT, 'log', { repo: later, limit: 1 })).resolves.toMatchObject({ commits: [{ subject: 'Second commit in later' }] });
    for (const g of host.grants.listFiles(GIT)) host.grants.revoke(g.id, 'panel');
    const gone = (await host.plugins.invoke(GIT, 'run', { repo: '/', args: ['-C', later, 'log', '-1', '--format=%s'] })) as { code: number; stdout: string };
    expect(gone.code).not.toBe(0);
    expect(gone.stdout).toBe('');
  });

  it('fails on a repository the user refused, and git never ran', async () => {
    const repo = repository('refused');
    const { host } = await startedHost([{ sample: 'git-tools' }], () => 'deny');
    await expect(host.plugins.invoke(GIT, 'status', { repo })).rejects.toThrow(/git could not be started: Permission denied/);
    expect(host.audit.query({ pluginId: GIT }).filter((e) => e.method === 'SPAWN')).toEqual([]);
  });

  it("commits as the user, whose name and email from their own git configuration reach git, and not the plugin", async () => {
    const repo = repository('identity');
    git(repo, 'config', '--unset', 'user.name');
    git(repo, 'config', '--unset', 'user.email');
    const { host } = await startedHost([{ sample: 'git-tools' }, { sample: 'misbehave' }], () => 'deny', scratchHome(), { gitIdentity: { name: 'Ana "the" Example', email: 'ana@example.invalid' } });
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' }, 'panel');
    await host.plugins.invoke(GIT, 'stage', { repo, paths: ['notes.txt'] });
    await host.plugins.invoke(GIT, 'commit', { repo, message: 'As the user' });
    expect(git(repo, 'log', '-1', '--format=%an <%ae> %s')).toBe('Ana "the" Example <ana@example.invalid> As the user');
    // The plugin's own view holds only an empty stand-in for it.
    await expect(host.plugins.invoke('dev.haloforge.test.misbehave', 'read_raw', { path: '/run/haloforge-programs/git-identity' })).resolves.toEqual({ text: '' });
  });

  it('commits and pushes as workflow steps', async () => {
    const repo = repository('steps');
    const origin = bareOrigin(repo, join(scratchHome(), 'steps-origin.git'));
    git(repo, 'remote', 'add', 'origin', origin);
    git(repo, 'add', 'notes.txt');
    const { host } = await gitHost();
    for (const folder of [repo, origin]) host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder, via: 'test' }, 'panel');
    const saved = host.workflows.save({
      name: 'Commit and push',
      steps: [
        { type: `${GIT}:git_commit`, config: { repo, message: 'From a workflow' } },
        { type: `${GIT}:git_push`, config: { repo, branch: 'main' } },
      ],
    });
    const run = await host.workflows.run(saved.id, 'a test');
    expect(run.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    expect(git(origin, 'log', '-1', '--format=%s', 'main')).toBe('From a workflow');
  });
});

/** A folder holding the tests' p4 stand-in (native/programs/src/bin/hf-p4-stub.rs) as `p4`. */
function p4Stub(): string {
  const dir = join(scratchHome(), 'bin');
  mkdirSync(dir);
  copyFileSync(join(release, 'hf-p4-stub'), join(dir, 'p4'));
  chmodSync(join(dir, 'p4'), 0o755);
  return dir;
}

describe('a p4 plugin written with std::process::Command', () => {
  it('gets its P4 variables through to p4, password included, while the audit shows it redacted', async () => {
    const root = join(scratchHome(), 'workspace');
    mkdirSync(root);
    writeFileSync(join(root, 'main.c'), 'int main;\n');
    chmodSync(join(root, 'main.c'), 0o444);
    const { host } = await startedHost([{ sample: 'p4-tools' }], () => 'deny', scratchHome(), { programDirs: [p4Stub()] });
    host.grants.addFile({ pluginId: P4, permission: 'filesystem_write', folder: root, via: 'test' }, 'panel');
    const connection = { root, port: 'ssl:perforce.example.invalid:1666', user: 'ana', client: 'ana-ws', password: 'secret' };
    await expect(host.plugins.invoke(P4, 'info', connection)).resolves.toMatchObject({ 'User name': 'ana', 'Client name': 'ana-ws', 'Server address': 'ssl:perforce.example.invalid:1666' });
    await expect(host.plugins.invoke(P4, 'edit', { ...connection, file: 'main.c' })).resolves.toEqual({ output: '//depot/main.c#1 - opened for edit' });
    expect(statSync(join(root, 'main.c')).mode & 0o200).toBe(0o200);
    await expect(host.plugins.invoke(P4, 'opened', connection)).resolves.toEqual({ files: ['//depot/main.c#1 - edit default change (text)'] });
    const saved = host.workflows.save({ name: 'Submit', steps: [{ type: `${P4}:p4_submit`, config: { ...connection, description: 'Fix main' } }] });
    const run = await host.workflows.run(saved.id, 'a test');
    expect(run.steps.map((s) => [s.state, s.value])).toEqual([['succeeded', { output: 'Change 1 submitted.' }]]);

    // What p4 itself was given, from its own log.
    const log = readFileSync(join(root, '.p4-stub.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; cwd: string; env: Record<string, string>; others: string[] });
    expect(log.map((l) => l.args)).toEqual([['info'], ['edit', 'main.c'], ['opened'], ['submit', '-d', 'Fix main']]);
    expect(log.every((l) => l.cwd === root)).toBe(true);
    expect(log[0]?.env).toEqual({ P4PORT: 'ssl:perforce.example.invalid:1666', P4USER: 'ana', P4CLIENT: 'ana-ws', P4PASSWD: 'secret', P4CONFIG: '' });
    // Nothing of the plugin host's own environment reached it but what every program gets.
    expect(log[0]?.others.sort()).toEqual(['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
    const audited = JSON.stringify(host.audit.query({ pluginId: P4 }));
    expect(audited).toContain('P4PASSWD=[redacted]');
    expect(audited).not.toContain('secret');
  });
});

describe('ctx.process()', () => {
  it("takes the same way: the shim, main, and a sandbox of the program's own", async () => {
    const repo = repository('ctx');
    const { host } = await startedHost([{ sample: 'git-status' }], () => 'deny');
    host.grants.addFile({ pluginId: GIT_STATUS, permission: 'filesystem_read', folder: repo, via: 'test' }, 'panel');
    await expect(host.plugins.invoke(GIT_STATUS, 'status', { path: repo })).resolves.toEqual({ branch: 'main', changes: [{ status: '??', path: 'notes.txt' }] });
    const runs = () => host.audit.query({ pluginId: GIT_STATUS }).filter((e) => e.method === 'SPAWN');
    await expect.poll(() => runs().map((e) => [e.event, e.status ?? null])).toEqual([
      ['decision', null],
      ['response', 0],
    ]);
    expect(runs()[0]?.reason).toContain(`git status --porcelain=v1 --branch in ${repo}`);
    expect(existsSync(join(repo, '.git', 'index.lock'))).toBe(false);
  });
});

/** The pid of the process with this command line, if one runs. */
function processOf(cmdline: string[]): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `${cmdline.join('\0')}\0`) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

describe('a program started for a plugin', () => {
  const misbehave = [{ sample: 'misbehave' as const, manifest: (m: Record<string, unknown>) => (m.permissions = [{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['sleep'] }]) }];
  const MISBEHAVE = 'dev.haloforge.test.misbehave';
  const sleep = realpathSync('/usr/bin/sleep');

  it('gets the signals its shim gets, and ends as they end it', async () => {
    const { host } = await startedHost(misbehave);
    const running = host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'sleep', args: ['31'] });
    // The plugin ran `sleep 31`: its shim has that command line, the real program its own path's.
    await expect.poll(() => processOf([sleep, '31']), { timeout: 10_000 }).toBeTypeOf('number');
    const [shim, real] = [processOf(['sleep', '31']) as number, processOf([sleep, '31']) as number];
    expect(readlinkSync(`/proc/${real}/exe`)).toBe(sleep);
    process.kill(shim, 'SIGTERM');
    // bubblewrap reports a program killed by signal N as 128 + N, as a shell does.
    await expect(running).resolves.toMatchObject({ code: 128 + 15 });
    expect(existsSync(`/proc/${real}`)).toBe(false);
    await expect.poll(() => host.audit.query({ pluginId: MISBEHAVE }).filter((e) => e.method === 'SPAWN').map((e) => [e.event, e.status ?? null])).toEqual([
      ['decision', null],
      ['response', 143],
    ]);
  });

  it('ends with its plugin host, and its record says so', async () => {
    const { host } = await startedHost(misbehave);
    const running = host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'sleep', args: ['32'] }).catch((e: Error) => e.message);
    await expect.poll(() => processOf([sleep, '32']), { timeout: 10_000 }).toBeTypeOf('number');
    const real = processOf([sleep, '32']) as number;
    await host.plugins.restart(MISBEHAVE);
    expect(await running).toMatch(/it was unloaded/);
    await expect.poll(() => existsSync(`/proc/${real}`)).toBe(false);
    await expect.poll(() => host.audit.query({ pluginId: MISBEHAVE }).filter((e) => e.method === 'SPAWN').map((e) => [e.event, e.error ?? null])).toEqual([
      ['decision', null],
      ['error', 'the plugin host stopped while it ran'],
    ]);
  });
});
