import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHost, type Host } from '../main/core/host';
import { FileLogger } from '../main/core/log/logger';
import { homeLayout } from '../main/core/paths';
import { installSample, tempHome, type InstallOptions } from '../test/helpers/fixtures';
import { row, type Row } from './row';
import { compare } from './stats';

const GIT = 'dev.haloforge.sample.git-tools';
const MISBEHAVE = 'dev.haloforge.test.misbehave';
const run = promisify(execFile);

async function hostWith(samples: InstallOptions[]): Promise<{ host: Host; cleanup: () => Promise<void> }> {
  const t = tempHome();
  for (const s of samples) installSample(t.home, s);
  const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, ''), asker: async () => 'deny' });
  host.plugins.discover();
  for (const p of host.plugins.list()) await host.plugins.approve(p.id, 'all');
  await host.start();
  return { host, cleanup: () => host.shutdown().then(t.cleanup) };
}

/** A repository of 2,000 files in 20 folders, committed, with a few changed and one new. */
function bigRepository(at: string): string {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: at, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  mkdirSync(at, { recursive: true });
  git('init', '-q', '-b', 'main');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(at, `dir-${d}`));
    for (let f = 0; f < 100; f++) writeFileSync(join(at, `dir-${d}`, `file-${f}.txt`), `line ${d}.${f}\n`);
  }
  git('add', '.');
  git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'commit', '-qm', 'two thousand files');
  for (let f = 0; f < 5; f++) writeFileSync(join(at, 'dir-3', `file-${f}.txt`), 'changed\n');
  writeFileSync(join(at, 'new.txt'), 'new\n');
  return at;
}

/**
 * Programs as plugins run them (design §8.1): `git status` through the shim (the plugin's own
 * std::process::Command: shim → supervisor → main's decision and audit → bubblewrap → gate → git)
 * against the same git run directly by main, in a 2,000-file repository; and the start of a
 * program that does nothing, the whole way, against spawnSync of it.
 */
export async function programBenchmarks(): Promise<Row[]> {
  const gitHost = await hostWith([{ sample: 'git-tools' }]);
  // Outside the data folder, which no plugin is ever shown.
  const user = tempHome();
  const repo = bigRepository(join(user.home, 'repo'));
  gitHost.host.grants.addFile({ pluginId: GIT, permission: 'filesystem_write', folder: repo, via: 'the benchmark', lasts: 'always' }, 'panel');
  const statusArgs = ['status', '--porcelain'];
  const direct = () => run('git', statusArgs, { cwd: repo });
  const shimmed = () => gitHost.host.plugins.invoke(GIT, 'run', { repo, args: statusArgs });
  await compare(2, 5, direct, shimmed);
  const rows: Row[] = [row('git status in a 2,000-file repository, run by the plugin through its shim (sandboxed, audited)', 'the same git status run directly by main', await compare(10, 10, direct, shimmed), { p50: 1.5 })];
  await gitHost.cleanup();
  user.cleanup();

  const trueHost = await hostWith([{ sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['true'] }]) }]);
  const bare = () => spawnSync('/usr/bin/true');
  const whole = () => trueHost.host.plugins.invoke(MISBEHAVE, 'spawn', { exe: 'true' });
  await compare(2, 5, bare, whole);
  const start = await compare(10, 10, bare, whole);
  rows.push(row(`a program start, the whole way (shim → main → its sandbox → exit; +${(start.subject.p50 - start.baseline.p50).toFixed(2)} ms)`, 'spawnSync of the same program in main', start));
  await trueHost.cleanup();
  return rows;
}
