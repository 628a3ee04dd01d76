import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtArtifacts } from '../main/core/app-paths';
import { createHost, type Host } from '../main/core/host';
import { FileLogger } from '../main/core/log/logger';
import { homeLayout } from '../main/core/paths';
import { installSample, tempHome } from '../test/helpers/fixtures';
import { row, type Row } from './row';
import { compare, summarize } from './stats';

const MISBEHAVE = 'dev.haloforge.test.misbehave';

async function hostWith(sandbox: 'auto' | 'off'): Promise<{ host: Host; cleanup: () => Promise<void> }> {
  const t = tempHome();
  installSample(t.home, { sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'filesystem_read' }]) });
  const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, ''), sandbox, asker: async () => 'deny' });
  host.plugins.discover();
  await host.plugins.approve(MISBEHAVE, 'all');
  await host.start();
  return {
    host,
    cleanup: async () => {
      await host.shutdown();
      t.cleanup();
    },
  };
}

/** One file operation timed inside the plugin, `rounds` times: the durations in ms. */
async function timed(host: Host, op: 'read' | 'pread' | 'list' | 'stat', path: string, rounds: number): Promise<number[]> {
  const { ns } = (await host.plugins.invoke(MISBEHAVE, 'time_fs', { op, path, rounds })) as { ns: number[] };
  return ns.map((n) => n / 1e6);
}

/** Interleaves the two, a batch of timings at a time, and summarizes each. */
async function interleaved(batches: number, baseline: () => Promise<number[]>, subject: () => Promise<number[]>) {
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < batches; i++) {
    b.push(...(await baseline()));
    s.push(...(await subject()));
  }
  return { baseline: summarize(b), subject: summarize(s) };
}

/**
 * Floor (f), `rounds` reads of `file` each way in turns (native/supervisor/src/bin/hf-floor-routed-open.rs):
 * std::fs::read with no sandbox, and the same with its open sent through seccomp user notification to
 * a process that only takes the call, reads its path, checks it still waits and lets it go on. In ms.
 */
function floorF(file: string, rounds: number): { bare: number[]; routed: number[] } {
  const program = join(dirname(builtArtifacts().supervisor), 'hf-floor-routed-open');
  const r = spawnSync(program, [file, String(rounds)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${program} failed (${r.error?.message ?? `exit code ${r.status}`}): ${r.stderr}`);
  const ns = JSON.parse(r.stdout) as { bare: number[]; routed: number[] };
  return { bare: ns.bare.map((n) => n / 1e6), routed: ns.routed.map((n) => n / 1e6) };
}

/**
 * The grant view (design §8.1): a granted folder is a bind mount, so once granted the plugin's
 * own std::fs runs at native speed; calls given by an absolute path pass the supervisor first. Each
 * operation is timed inside the plugin, sandboxed (its folder granted, so in its view) against the
 * same plugin with no sandbox at all.
 */
export async function viewBenchmarks(): Promise<Row[]> {
  const user = mkdtempSync(join(tmpdir(), 'hf-bench-view-'));
  const file = join(user, 'one-mib.bin');
  writeFileSync(file, Buffer.alloc(1 << 20, 7));
  const many = join(user, 'many');
  mkdirSync(many);
  for (let i = 0; i < 5000; i++) writeFileSync(join(many, `entry-${i}.txt`), '');
  const sandboxed = await hostWith('auto');
  const bare = await hostWith('off');
  sandboxed.host.grants.addFile({ pluginId: MISBEHAVE, permission: 'filesystem_read', folder: user, via: 'the benchmark', lasts: 'always' }, 'panel');
  const rows: Row[] = [];
  const pair = (op: 'read' | 'pread' | 'list' | 'stat', path: string, rounds: number) => [() => timed(bare.host, op, path, rounds), () => timed(sandboxed.host, op, path, rounds)] as const;
  for (const [op, path] of [['read', file], ['pread', file], ['list', many], ['stat', file]] as const) await interleaved(2, ...pair(op, path, 20));
  // The mount itself (a file already open: nothing routed), then a whole std::fs::read (its open is).
  rows.push(row('reading 1 MiB of a granted file it has open, sandboxed (timed in the plugin)', 'the same read with no sandbox', await interleaved(20, ...pair('pread', file, 20)), { p50: 1.1 }));
  // The whole read, beside floor (f) in the same turns: its open must cross to the supervisor and back.
  const reads = { bare: [] as number[], sandboxed: [] as number[], floorBare: [] as number[], floorRouted: [] as number[] };
  for (let i = 0; i < 20; i++) {
    reads.bare.push(...(await timed(bare.host, 'read', file, 20)));
    reads.sandboxed.push(...(await timed(sandboxed.host, 'read', file, 20)));
    const f = floorF(file, 20);
    reads.floorBare.push(...f.bare);
    reads.floorRouted.push(...f.routed);
  }
  const readName = 'std::fs::read of a 1 MiB file in a granted folder (open routed, read, close)';
  rows.push(row(readName, 'the same with no sandbox', { baseline: summarize(reads.bare), subject: summarize(reads.sandboxed) }, { p50: 1.1 }));
  rows.push(row(readName, "floor (f): the same read, no sandbox, its open through one bare user-notification round trip", { baseline: summarize(reads.floorRouted), subject: summarize(reads.sandboxed) }));
  rows.push(row('floor (f)', 'the same read in the same process, not routed (information)', { baseline: summarize(reads.floorBare), subject: summarize(reads.floorRouted) }));
  rows.push(row('listing 5,000 entries (names and types) of a granted folder, sandboxed', 'the same listing with no sandbox', await interleaved(20, ...pair('list', many, 10)), { p50: 1.1 }));
  const stat = await interleaved(20, ...pair('stat', file, 50));
  rows.push(row(`a stat by absolute path, routed to the supervisor and let go on (+${((stat.subject.p50 - stat.baseline.p50) * 1000).toFixed(1)} µs)`, 'the same stat with no sandbox', stat));
  // A grant made while the plugin runs: a command sent after it waits until the supervisor has
  // mounted it, so the command's extra time over one on a path already in view is the wait.
  let n = 0;
  const fresh = () => {
    const folder = join(user, `granted-${n++}`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'x'), 'x');
    return folder;
  };
  const grantThenUse = async () => {
    const folder = fresh();
    const g = sandboxed.host.grants.addFile({ pluginId: MISBEHAVE, permission: 'filesystem_read', folder, via: 'the benchmark', lasts: 'always' }, 'panel');
    await sandboxed.host.plugins.invoke(MISBEHAVE, 'read_raw', { path: join(folder, 'x') });
    sandboxed.host.grants.revoke(g.id, 'panel');
  };
  const useVisible = () => sandboxed.host.plugins.invoke(MISBEHAVE, 'read_raw', { path: file.replace('one-mib.bin', 'many/entry-1.txt') });
  const visible = await compare(10, 10, useVisible, grantThenUse);
  rows.push(row(`a grant made, mounted in the running sandbox and used (+${(visible.subject.p50 - visible.baseline.p50).toFixed(2)} ms)`, 'the same command on a path already in view', visible));
  await sandboxed.cleanup();
  await bare.cleanup();
  rmSync(user, { recursive: true, force: true });
  return rows;
}
