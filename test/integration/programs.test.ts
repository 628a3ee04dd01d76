/**
 * `ctx.process()` (design §8): main starts whitelisted programs in a sandbox of their own that sees
 * the system read-only and only the folders the user granted the plugin, with no network unless the
 * user let that program use it. Shown with the git-style sample plugin, as HaloForge's git plugin
 * would run (`process_spawn_whitelist: ["git"]` with `filesystem_read`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PermissionPrompt, PromptAnswer } from '../../main/core/prompts/prompt-types';
import { installSample } from '../helpers/fixtures';
import { startedHost } from '../helpers/hosts';
import { scratchHome } from '../helpers/per-test';
import { startTestServer } from '../helpers/servers';

const GIT = 'dev.haloforge.sample.git-status';
const MISBEHAVE = 'dev.haloforge.test.misbehave';

/** A repository with two commits and one uncommitted change, made with the system's git. */
function repository(name: string): string {
  const dir = join(scratchHome(), name);
  mkdirSync(dir);
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q');
  writeFileSync(join(dir, 'README.md'), '# first\n');
  git('add', '.');
  git('commit', '-qm', 'First commit');
  writeFileSync(join(dir, 'README.md'), '# second\n');
  git('commit', '-qam', `Second commit in ${name}`);
  writeFileSync(join(dir, 'notes.txt'), 'not committed\n');
  return dir;
}

/** A host whose scripted user answers each kind of prompt as told, and remembers what was asked. */
async function start(answers: Partial<Record<PermissionPrompt['kind'], PromptAnswer>>, samples: Array<Parameters<typeof installSample>[1]> = [{ sample: 'git-status' }]) {
  const { host, asked } = await startedHost(samples, (p) => answers[p.kind] ?? 'deny');
  return { host, asked };
}

describe('a git-style plugin', () => {
  it('runs git status and git log on a folder the user granted', async () => {
    const repo = repository('granted');
    const { host, asked } = await start({ file: 'allow-always', 'program-network': 'deny' });
    await expect(host.plugins.invoke(GIT, 'status', { path: repo })).resolves.toEqual({ branch: 'main', changes: [{ status: '??', path: 'notes.txt' }] });
    await expect(host.plugins.invoke(GIT, 'log', { path: repo, limit: 5 })).resolves.toEqual({
      commits: [
        { id: expect.stringMatching(/^[0-9a-f]{7,}$/) as string, subject: 'Second commit in granted' },
        { id: expect.stringMatching(/^[0-9a-f]{7,}$/) as string, subject: 'First commit' },
      ],
    });
    // The folder was asked for once, as the working folder of git, and is a grant now; git's
    // network was asked for once and denied, and that answer holds for the rest of the session.
    expect(asked).toMatchObject([
      { kind: 'file', pluginId: GIT, access: 'read', path: repo, folder: repo, reason: expect.stringContaining('to run git there') as string },
      { kind: 'program-network', pluginId: GIT, program: 'git', path: expect.stringMatching(/\/git$/) as string, cwd: repo },
    ]);
    expect(host.grants.listFiles(GIT)).toMatchObject([{ folder: repo, permission: 'filesystem_read' }]);
    expect(host.audit.query({ pluginId: GIT }).map((e) => [e.method, e.event, e.decision, e.rule])).toEqual([
      ['FILE', 'decision', 'allow', 'grant'],
      ['SPAWN', 'decision', 'allow', 'process_spawn_whitelist'],
      ['SPAWN', 'response', 'allow', 'process_spawn_whitelist'],
      ['SPAWN', 'decision', 'allow', 'process_spawn_whitelist'],
      ['SPAWN', 'response', 'allow', 'process_spawn_whitelist'],
    ]);
    expect(host.audit.query({ pluginId: GIT })[1]?.reason).toMatch(/with 3 arguments in .*granted; network off \(the user denied it\)$/);
  });

  it('fails on a folder the user did not grant, and git never sees it', async () => {
    const granted = repository('granted');
    const other = repository('other');
    const { host } = await start({ file: 'deny' });
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_read', folder: granted, via: 'test' });
    await expect(host.plugins.invoke(GIT, 'log', { path: granted })).resolves.toMatchObject({ commits: [{ subject: 'Second commit in granted' }, { subject: 'First commit' }] });
    await expect(host.plugins.invoke(GIT, 'status', { path: other })).rejects.toThrow(/^Permission denied: the user did not allow read access to .*other: the user denied it$/);
    expect(host.audit.query({ pluginId: GIT, decision: 'deny' }).map((e) => [e.method, e.url, e.rule])).toEqual([
      ['FILE', `file://${other}`, 'prompt:deny'],
      ['SPAWN', 'process:git', 'filesystem_read'],
    ]);
  });
});

describe('programs a plugin runs', () => {
  const misbehave = (permissions: Array<{ type: string; value?: unknown }>) => [{ sample: 'misbehave', manifest: (m: Record<string, unknown>) => (m.permissions = permissions) }];

  it('see only the folders granted to their plugin, however they are pointed elsewhere', async () => {
    const granted = repository('granted');
    const other = repository('other');
    const { host } = await start({}, misbehave([{ type: 'process_spawn_whitelist', value: ['git', 'cat'] }, { type: 'filesystem_read' }]));
    host.grants.addFile({ pluginId: MISBEHAVE, permission: 'filesystem_read', folder: granted, via: 'test' });
    const escaped = (await host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['-C', other, 'log', '--oneline'], cwd: granted })) as { exit_code: number; stderr: string };
    expect(escaped.exit_code).not.toBe(0);
    expect(escaped.stderr).toMatch(/cannot change to .*other.*No such file/);
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'cat', args: [join(host.layout.home, 'grants.json')], cwd: granted })).resolves.toMatchObject({ exit_code: 1, stdout: '' });
    // Nor can a program change a folder granted for reading.
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['commit', '--allow-empty', '-m', 'x'], cwd: granted })).resolves.toMatchObject({ exit_code: expect.any(Number) as number });
    expect(spawnSync('git', ['log', '--oneline'], { cwd: granted, encoding: 'utf8' }).stdout.trim().split('\n')).toHaveLength(2);
  });

  it('reach the network only when the user allowed that program to, and are told so', async () => {
    const server = await startTestServer();
    try {
      const remote = `http://127.0.0.1:${server.port}/repo.git`;
      const offline = await start({ 'program-network': 'deny' }, misbehave([{ type: 'process_spawn_whitelist', value: ['git'] }]));
      const denied = (await offline.host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['ls-remote', remote] })) as { exit_code: number; stderr: string };
      expect(denied.exit_code).not.toBe(0);
      expect(server.seen).toEqual([]);

      const online = await start({ 'program-network': 'allow-always' }, misbehave([{ type: 'process_spawn_whitelist', value: ['git'] }]));
      await online.host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['ls-remote', remote] });
      expect(server.seen.length).toBeGreaterThan(0);
      expect(online.host.grants.listPrograms(MISBEHAVE)).toMatchObject([{ program: 'git', permission: 'program_network' }]);
      // Revoked, the next run asks again.
      online.host.grants.revoke(online.host.grants.listPrograms(MISBEHAVE)[0]?.id ?? '');
      await online.host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['--version'] });
      expect(online.asked.filter((p) => p.kind === 'program-network')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('are named, looked up by main, and refused when not whitelisted', async () => {
    const { host } = await start({}, misbehave([{ type: 'process_spawn_whitelist', value: ['git'] }]));
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: '/usr/bin/git', args: ['--version'] })).rejects.toThrow(/^Permission denied: programs are run by name \(like "git"\), not by path/);
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'sh', args: ['-c', 'id'] })).rejects.toThrow("Permission denied: sh is not in the plugin's process_spawn_whitelist (git)");
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'git', args: ['--version'], cwd: host.layout.home })).rejects.toThrow(/^Permission denied: .* belongs to HaloForge Host itself/);
  });

  it('end with their plugin host', async () => {
    const { host } = await start({}, misbehave([{ type: 'process_spawn_whitelist', value: ['sleep'] }]));
    const running = host.plugins.invoke(MISBEHAVE, 'run', { exe: 'sleep', args: ['30'] }).catch((e: Error) => e.message);
    await expect.poll(() => host.audit.query({ pluginId: MISBEHAVE }).length).toBe(1);
    await host.plugins.restart(MISBEHAVE);
    expect(await running).toMatch(/it was unloaded/);
    await expect.poll(() => host.audit.query({ pluginId: MISBEHAVE }).map((e) => [e.event, e.error ?? null])).toEqual([
      ['decision', null],
      ['error', 'its plugin host stopped'],
    ]);
  });
});
