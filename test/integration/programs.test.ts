/**
 * Programs as real plugins start them (design §8.1): `std::process::Command::new("git")` in the
 * plugin's own code, no `ctx.process()`. The name finds a shim in the sandbox; main decides and
 * audits; the real git runs in a sandbox of its own on the plugin's view, its network the plugin's.
 * Every test judges the real repository, the bare origin, the server or the stub's own log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareOrigin, git, gitHttpServer, repository } from '../helpers/git-repos';
import { startedHost } from '../helpers/hosts';
import { scratchHome } from '../helpers/per-test';

const GIT = 'dev.haloforge.sample.git-tools';

async function gitHost() {
  const started = await startedHost([{ sample: 'git-tools' }], () => 'deny');
  return started;
}

describe('a git plugin written with std::process::Command', () => {
  it('shows, stages, unstages, commits, branches, stashes and discards in the repository the user granted', async () => {
    const repo = repository('work');
    const { host } = await gitHost();
    host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'test' });
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

    // Each run is in the audit with its full arguments and working folder, and how it ended.
    const runs = host.audit.query({ pluginId: GIT }).filter((e) => e.method === 'RUN');
    expect(runs.filter((e) => e.event === 'decision').map((e) => e.reason)).toContainEqual(expect.stringMatching(new RegExp(`/git commit -m Add notes in ${repo}; network`)));
    expect(runs.filter((e) => e.event === 'response').every((e) => e.status === 0 && typeof e.durationMs === 'number')).toBe(true);
  });
});
