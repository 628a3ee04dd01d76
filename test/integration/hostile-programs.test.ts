/**
 * A hostile plugin with only `process_spawn_whitelist: ["git"]` (design §8.1), trying each door
 * git has to running another program, and the network behind the user's back. Every verdict is
 * taken from outside: a file that would appear, a loopback server that would be reached, what the
 * audit says really ran.
 */
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, repository } from '../helpers/git-repos';
import { startedHost } from '../helpers/hosts';

const GIT = 'dev.haloforge.sample.git-tools';
const MISBEHAVE = 'dev.haloforge.test.misbehave';

/** The git sample with `repo` granted for writing; its `run` command runs any git command line. */
async function withRepo() {
  const repo = repository('target');
  const { host } = await startedHost([{ sample: 'git-tools' }], () => 'deny');
  host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' }, 'panel');
  const run = (args: string[]) => host.plugins.invoke(GIT, 'run', { repo, args }) as Promise<{ code: number; stdout: string; stderr: string }>;
  return { host, repo, run };
}

const refusals = (host: Awaited<ReturnType<typeof withRepo>>['host']) => host.audit.query({ pluginId: GIT, decision: 'deny' }).filter((e) => e.method === 'SPAWN');

describe('git run for a plugin runs only git', () => {
  it('refuses configuration on the command line, a shell alias and any command that is not git’s own', async () => {
    const { host, repo, run } = await withRepo();
    await expect(run(['-c', 'alias.x=!touch PWNED', 'x'])).resolves.toMatchObject({ code: 126, stderr: expect.stringContaining('git -c is refused') as string });
    git(repo, 'config', 'alias.st', '!touch PWNED');
    await expect(run(['st'])).resolves.toMatchObject({ code: 126, stderr: expect.stringContaining('is not one of git') as string });
    await expect(run(['--config-env=core.pager=X', 'log'])).resolves.toMatchObject({ code: 126 });
    await expect(run(['--exec-path=/tmp', 'status'])).resolves.toMatchObject({ code: 126 });
    expect(existsSync(join(repo, 'PWNED'))).toBe(false);
    expect(refusals(host).map((e) => e.reason)).toEqual([
      expect.stringMatching(/^git -c alias.x=!touch PWNED x in .*: git -c is refused/),
      expect.stringMatching(/^git st in .*is not one of git's own commands/),
      expect.stringMatching(/--config-env is refused/),
      expect.stringMatching(/--exec-path is refused/),
    ]);
  });

  it('runs no hook, fsmonitor, pager, editor or external diff a repository names', async () => {
    const { repo, run } = await withRepo();
    const hook = join(repo, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\ntouch HOOKED\n');
    chmodSync(hook, 0o755);
    git(repo, 'config', 'core.fsmonitor', join(repo, 'fsmonitor'));
    writeFileSync(join(repo, 'fsmonitor'), '#!/bin/sh\ntouch FSMONITOR\n');
    chmodSync(join(repo, 'fsmonitor'), 0o755);
    git(repo, 'config', 'core.pager', 'touch PAGED');
    git(repo, 'config', 'core.editor', 'touch EDITED');
    // An external diff driver, named by the repository's attributes: first a program outright,
    // then the dynamic loader, which would run a file of the repository's as a program.
    writeFileSync(join(repo, '.gitattributes'), 'README.md diff=evil\npayload diff=loader\n');
    git(repo, 'config', 'diff.evil.command', '/usr/bin/touch');
    git(repo, 'config', 'diff.loader.command', '/lib64/ld-linux-x86-64.so.2');
    copyFileSync('/usr/bin/touch', join(repo, 'payload'));
    git(repo, 'add', 'payload');
    git(repo, 'commit', '-qm', 'payload');
    writeFileSync(join(repo, 'README.md'), '# changed\n');
    writeFileSync(join(repo, 'payload'), Buffer.concat([readFileSync('/usr/bin/touch'), Buffer.from('changed')]));
    const before = readdirSync(repo).sort();

    await expect(run(['status'])).resolves.toMatchObject({ code: 0 });
    await expect(run(['-p', 'log', '-1'])).resolves.toMatchObject({ code: 0 });
    await expect(run(['diff', '--', 'README.md'])).resolves.toMatchObject({ stderr: expect.stringContaining('may run only itself and its own helpers; refused: /usr/bin/touch') as string });
    await expect(run(['diff', '--', 'payload'])).resolves.toMatchObject({ stderr: expect.stringContaining('refused: /lib64/ld-linux-x86-64.so.2') as string });
    await expect(run(['commit', '-qam', 'with a hook'])).resolves.toMatchObject({ code: 0 });
    await expect(run(['commit', '--amend'])).resolves.toMatchObject({ code: 0 });
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('with a hook');
    // Nothing appeared: no marker, and none of the files `touch` would have made of its arguments.
    expect(readdirSync(repo).sort()).toEqual(before);
  });

  it('refuses --upload-pack, --receive-pack and the ext:: transport, and has no ssh', async () => {
    const { repo, run } = await withRepo();
    const listener = createServer((s) => {
      reached += 1;
      s.destroy();
    });
    let reached = 0;
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      await expect(run(['fetch', '--upload-pack=touch PWNED', repo])).resolves.toMatchObject({ code: 126 });
      await expect(run(['push', '--receive-pack=touch PWNED', repo, 'main'])).resolves.toMatchObject({ code: 126 });
      await expect(run(['ls-remote', 'ext::sh -c touch% PWNED'])).resolves.toMatchObject({ code: 126, stderr: expect.stringContaining('ext::') as string });
      const ssh = await run(['ls-remote', `ssh://git@127.0.0.1:${port}/repo.git`]);
      expect(ssh.code).not.toBe(0);
      expect(ssh.stderr).toMatch(/transport 'ssh' not allowed/);
      expect(reached).toBe(0);
      expect(existsSync(join(repo, 'PWNED'))).toBe(false);
    } finally {
      listener.close();
    }
  });
});

describe('a plugin that runs programs itself', () => {
  const misbehave = (permissions: Array<{ type: string; value?: unknown }>) => [{ sample: 'misbehave' as const, manifest: (m: Record<string, unknown>) => (m.permissions = permissions) }];

  it('can execute nothing but its shims: not another program, not the real git, not the dynamic loader', async () => {
    const { host } = await startedHost(misbehave([{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['git'] }]));
    for (const exe of ['/usr/bin/id', '/usr/lib/git-core/git', '/lib64/ld-linux-x86-64.so.2', '/bin/sh']) {
      await expect(host.plugins.invoke(MISBEHAVE, 'spawn', { exe, args: ['--version'] })).rejects.toThrow(/Permission denied/);
    }
    // `git` by name is its shim, and runs git.
    await expect(host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'git', args: ['--version'] })).resolves.toMatchObject({ code: 0, stdout: expect.stringMatching(/^git version/) as string });
  });

  it('is refused what its whitelist does not name, by ctx.process() too, and the refusal is audited', async () => {
    const { host } = await startedHost(misbehave([{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['git'] }]));
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'sh', args: ['-c', 'id'] })).rejects.toThrow("Permission denied: sh is not in the plugin's process_spawn_whitelist (git)");
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: '/usr/bin/git', args: ['--version'] })).rejects.toThrow(/^Permission denied: programs are run by name/);
    expect(host.audit.query({ pluginId: MISBEHAVE, decision: 'deny' }).map((e) => [e.url, e.rule])).toEqual([['process:sh', 'process_spawn_whitelist']]);
  });

  it('runs a few programs at once, not as many as it likes: the one over is refused and audited', async () => {
    const { host } = await startedHost([{ sample: 'misbehave', manifest: (m: Record<string, unknown>) => (m.permissions = [{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['sleep'] }]) }]);
    const sleepers = Array.from({ length: 8 }, () => host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'sleep', args: ['30'] }).catch((e: Error) => e.message));
    await expect.poll(() => host.audit.query({ pluginId: MISBEHAVE, decision: 'allow' }).filter((e) => e.event === 'decision').length, { timeout: 20_000 }).toBe(8);
    await expect(host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'sleep', args: ['1'] })).resolves.toMatchObject({ code: 126, stderr: expect.stringContaining('already runs 8 programs, the most allowed at once') as string });
    expect(host.audit.query({ pluginId: MISBEHAVE, decision: 'deny' }).map((e) => e.rule)).toEqual(['process:limit']);
    await host.plugins.restart(MISBEHAVE);
    await Promise.all(sleepers);
  });
});
