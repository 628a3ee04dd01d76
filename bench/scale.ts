import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost } from '../main/core/host';
import { FileLogger } from '../main/core/log/logger';
import { homeLayout } from '../main/core/paths';
import { builtArtifacts } from '../main/core/app-paths';
import { rustStdDir } from '../main/core/sandbox/host-view';
import { installSample, tempHome } from '../test/helpers/fixtures';
import { LOAD_FFI, cleanEnv, sandboxedNode } from './floors';
import type { Row } from './row';

/** The fields of /proc/<pid>/stat after the process's name (which may hold spaces), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's name (its executable's, cut to 15 characters), or undefined once it is gone. */
function nameOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A process and every process below it, from /proc (a sandboxed plugin host is several: bubblewrap, the supervisor, Node). */
function treeOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    // Gone meanwhile: not in the tree.
    if (!fields) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Proportional and resident set size of processes, in bytes (smaps_rollup: shared pages split among their users). */
function memoryOf(pids: readonly number[]): { pss: number; rss: number } {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { pss, rss };
}

/** The PSS of a process's mappings of files `wanted` picks, in bytes. */
function pssOfFiles(pid: number, wanted: (file: string) => boolean): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return 0; // gone meanwhile
  }
  let counting = false;
  let pss = 0;
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) counting = wanted(mapping[1] as string);
    else if (counting) pss += Number(/^Pss:\s+(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
  }
  return pss;
}

/**
 * What every sandboxed plugin host needs beyond floor (e), read from the hosts themselves: its
 * supervisor (design §8.1: the view's owner, outside the sandbox), and, in its Node process, the
 * host bridge, the shared Rust std it links and the plugin's own library.
 */
function neededBeyondFloorE(pids: readonly number[], home: string): { supervisors: number; libraries: number } {
  const { bridgePath } = builtArtifacts();
  const stdDir = rustStdDir(bridgePath);
  const plugins = `${homeLayout(home).plugins}/`;
  const library = (file: string) => file === bridgePath || (stdDir !== undefined && file.startsWith(`${stdDir}/`)) || file.startsWith(plugins);
  let supervisors = 0;
  let libraries = 0;
  for (const pid of pids) {
    const name = nameOf(pid);
    if (name === 'hf-supervisor') supervisors += memoryOf([pid]).pss;
    else if (name === 'node') libraries += pssOfFiles(pid, library);
  }
  return { supervisors, libraries };
}

/** `n` of `command` started clean and at once, each idle once it printed a line: the time until all did, and the processes. */
async function idleAtOnce(n: number, home: string, command: string, args: string[]): Promise<{ ms: number; children: ChildProcess[] }> {
  const t = performance.now();
  const children = Array.from({ length: n }, () => spawn(command, args, { env: cleanEnv(home), stdio: ['ignore', 'pipe', 'ignore'] }));
  await Promise.all(children.map((c) => new Promise((r) => c.stdout?.once('data', r))));
  return { ms: performance.now() - t, children };
}

/** Whether a process still holds memory (a zombie holds none). */
function alive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Resolves once none of these processes is left, or says which are after 10 s. */
async function gone(pids: readonly number[]): Promise<void> {
  const until = performance.now() + 10_000;
  while (pids.some(alive)) {
    if (performance.now() > until) throw new Error(`processes ${pids.filter(alive).join(', ')} did not end within 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kills them and waits until every process of each tree is gone. */
async function stopAll(children: ChildProcess[]): Promise<void> {
  const trees = children.flatMap((c) => treeOf(c.pid as number));
  for (const c of children) c.kill();
  await gone(trees);
}

const IDLE = 'console.log("ready"); setInterval(() => {}, 60_000)';

/** Ten sample plugins (a plugin's id is its library's, so one plugin cannot be installed ten times). */
const SAMPLES = ['hello', 'notes', 'text-steps', 'fetcher', 'browser', 'story', 'editor', 'git-status', 'hello-panel', 'own-fetcher'];

/**
 * 1, 5 and 10 plugin hosts (the first of the samples above), sandboxed: their total PSS and RSS
 * once all are active, and the time from starting them to all active, against as many bare Node
 * processes started clean at once.
 */
export async function scaleBenchmarks(): Promise<Row[]> {
  const rows: Row[] = [];
  const bareNode = { command: process.execPath, args: ['-e', IDLE] };
  // Floor (e): the least a sandboxed plugin host must be (both sandbox layers and a clean Node that loaded ffi-rs).
  const floorE = sandboxedNode(`${LOAD_FFI}; ${IDLE}`);
  const bareHome = mkdtempSync(join(tmpdir(), 'hf-bare-'));
  for (const n of [1, 5, 10]) {
    const t = tempHome();
    const ids = SAMPLES.slice(0, n).map((sample) => installSample(t.home, { sample }).id);
    const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, '') });
    host.plugins.discover();
    // Approved as the install screen would, without starting them: the start is what is timed.
    for (const id of ids) host.plugins.catalogue.updateRecord(id, { approved: host.plugins.get(id)?.needsApproval.map((p) => p.key) ?? [] });
    const started = performance.now();
    await host.start();
    const startMs = performance.now() - started;
    if (host.plugins.list().some((p) => p.state !== 'active')) throw new Error(`not every plugin of ${n} started: ${host.plugins.list().map((p) => `${p.id} ${p.state} ${p.error ?? ''}`).join('; ')}`);
    const hostPids = ids.flatMap((id) => treeOf(host.plugins.pidOf(id) as number));
    const hosts = memoryOf(hostPids);
    const needed = neededBeyondFloorE(hostPids, t.home);
    await host.shutdown();
    await gone(hostPids);
    t.cleanup();
    // Each group is measured alone: pages of the same file (Node's own binary above all) are split
    // among all their users, so a group measured beside another would be charged less.
    const bare = await idleAtOnce(n, bareHome, bareNode.command, bareNode.args);
    const nodes = memoryOf(bare.children.map((c) => c.pid as number));
    await stopAll(bare.children);
    const floors = await idleAtOnce(n, bareHome, floorE.command, floorE.args);
    const floor = memoryOf(floors.children.flatMap((c) => treeOf(c.pid as number)));
    await stopAll(floors.children);
    const mib = (b: number, digits = 1) => `${(b / 2 ** 20).toFixed(digits)} MiB`;
    rows.push({ name: `${n} plugin host${n === 1 ? '' : 's'}, total PSS (${mib(hosts.pss / n)} each)`, baselineName: `${n} bare Node (${mib(nodes.pss / n)} each)`, subjectP50: hosts.pss, baselineP50: nodes.pss, ratioP50: hosts.pss / nodes.pss, unit: 'bytes', ...(n === 10 ? { target: { p50: 1.2 } } : {}) });
    rows.push({ name: `${n} plugin host${n === 1 ? '' : 's'}, total PSS`, baselineName: `floor (e): ${n} × both sandbox layers and a clean Node with ffi-rs loaded (${mib(floor.pss / n)} each)`, subjectP50: hosts.pss, baselineP50: floor.pss, ratioP50: hosts.pss / floor.pss, unit: 'bytes' });
    rows.push({ name: `floor (e) for ${n}, total PSS`, baselineName: `${n} bare Node (information)`, subjectP50: floor.pss, baselineP50: nodes.pss, ratioP50: floor.pss / nodes.pss, unit: 'bytes' });
    // Floor (e'): floor (e) and what no plugin host can do without, as measured in these hosts.
    const floorE2 = floor.pss + needed.supervisors + needed.libraries;
    const beyond = `its supervisor (${mib(needed.supervisors / n, 2)} each), the bridge, its shared std and the plugin's library (${mib(needed.libraries / n, 2)} each)`;
    rows.push({ name: `${n} plugin host${n === 1 ? '' : 's'}, total PSS`, baselineName: `floor (e'): floor (e) and what every plugin host needs beyond it, read from these hosts: ${beyond}`, subjectP50: hosts.pss, baselineP50: floorE2, ratioP50: hosts.pss / floorE2, unit: 'bytes' });
    rows.push({ name: `floor (e') for ${n}, total PSS`, baselineName: `${n} bare Node (information)`, subjectP50: floorE2, baselineP50: nodes.pss, ratioP50: floorE2 / nodes.pss, unit: 'bytes' });
    rows.push({ name: `${n} plugin host${n === 1 ? '' : 's'}, total RSS`, baselineName: `${n} bare Node`, subjectP50: hosts.rss, baselineP50: nodes.rss, ratioP50: hosts.rss / nodes.rss, unit: 'bytes' });
    rows.push({ name: `${n} plugin host${n === 1 ? '' : 's'}: start to all active`, baselineName: `${n} bare Node starts at once`, subjectP50: startMs, baselineP50: bare.ms, ratioP50: startMs / bare.ms });
  }
  rmSync(bareHome, { recursive: true, force: true });
  return rows;
}
