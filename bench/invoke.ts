import { spawn, spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { createHost, type Host } from '../main/core/host';
import { FileLogger } from '../main/core/log/logger';
import { homeLayout } from '../main/core/paths';
import { installSample, tempHome } from '../test/helpers/fixtures';
import { hostBehindWebHost } from '../test/helpers/web';
import { timeFromPanel } from './panel';
import { appRoot } from '../main/core/app-paths';
import { LOAD_FFI, cleanEnv, floorChild, sandboxedNode } from './floors';
import { burstRows, row, type Row } from './row';
import { compare, summarize, timeEach } from './stats';

const HELLO = 'dev.example.my-plugin';

/** A host with the hello plugin, started; `startMs`: its plugin's cold load alone (not the host's own set-up). */
async function startedHost(sandbox: 'auto' | 'off' = 'auto'): Promise<{ host: Host; startMs: number; cleanup: () => void }> {
  const t = tempHome();
  installSample(t.home, { sample: 'hello' });
  const host = createHost({ home: t.home, logger: new FileLogger(homeLayout(t.home).logs, ''), sandbox });
  host.plugins.discover();
  const started = performance.now();
  await host.start();
  return { host, startMs: performance.now() - started, cleanup: t.cleanup };
}

/**
 * Starts `command` and times it until it writes to stdout (its script runs) and until it has
 * exited; a failure to start is an error, not a fast sample.
 */
function timeStart(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ready: number; exited: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    let ready: number | undefined;
    let stderr = '';
    const child = spawn(command, args, { env, cwd: appRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.once('data', () => (ready = performance.now() - t));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const exited = performance.now() - t;
      if (code !== 0 || ready === undefined) reject(new Error(`${command} ${args.slice(-2).join(' ')} failed (${code}): ${stderr}`));
      else resolve({ ready, exited });
    });
  });
}

/** A panel's call over the web host's WebSocket, waiting for its answer. */
function wsCaller(ws: WebSocket): (channel: string, args: unknown[]) => Promise<unknown> {
  let next = 1;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { id: number; result: unknown };
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  });
  return (channel, args) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, channel, args }));
    });
}

export async function invokeBenchmarks(): Promise<Row[]> {
  const rows: Row[] = [];
  const small = { value: 1, text: 'hello' };
  const echoCall = { channel: 'hf:host:ping', args: [small] };
  // As a panel sends it (preload/api): the arguments serialised where the value is.
  const invokeCall = { channel: 'hf:plugin:invoke', args: ['plugin_dev_example_my_plugin_ping', JSON.stringify(small)] };

  // 1. Small invoke, panel -> plugin -> panel, against a bare echo over the same WebSocket, timed in
  //    a real panel page against the web host in its own process (as `npm start` runs them); and
  //    100 of each at once.
  const panel = await timeFromPanel(['hello'], echoCall, invokeCall, { rounds: 10, perRound: 200, burstRounds: 10, burstSize: 100 });
  rows.push(row('small invoke from a panel in chromium', 'bare echo over the same WebSocket (information)', panel.single));
  rows.push(...burstRows('invokes from a panel', 'bare echoes', 'calls', 100, panel.bursts));

  const { host, web, stop } = await hostBehindWebHost(['hello']);
  const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ipc?token=${web.token}`, { headers: { origin: `http://127.0.0.1:${web.port}` } });
  await new Promise((r) => ws.once('open', r));
  const call = wsCaller(ws);

  // The floors (issue 26): a bare Node child over a socket pair with our framing, answering at once
  // or after a trip to a worker thread (as a plugin host hands a command to its plugin's thread).
  // Each is timed interleaved with what it is the floor of.
  const bareChild = await floorChild(false);
  const threadChild = await floorChild(true);
  const floor = () => bareChild.call(invokeCall.args[1] as string);
  const floorThread = () => threadChild.call(invokeCall.args[1] as string);
  const direct = () => host.plugins.invokeWireRaw('plugin_dev_example_my_plugin_ping', invokeCall.args[1] as string);
  // Floor (a) with the thread right after the panel's run, for floor (c): the page's clock cannot
  // time a child of this process, so the two halves of that floor are measured one after the other.
  // A fresh child takes some thousands of round trips to reach its steady pace (its JIT, the
  // frames' encoding): measured before that, the floors read several times too slow.
  await timeEach(4000, floor);
  await timeEach(4000, floorThread);
  const threadAfterPanel = summarize(await timeEach(2000, floorThread));
  // Call by call in turns (not in blocks): on this shared machine a floor's pace swings two- or
  // threefold from one second to the next, and only strict alternation sees both at the same pace.
  await compare(200, 1, floorThread, direct);
  const directVsThread = await compare(2000, 1, floorThread, direct);
  rows.push(row('small invoke main -> plugin host -> Rust thread -> main', 'floor (a): bare Node child, socket pair, our frames, a worker thread and back', directVsThread));
  rows.push(row('floor (a) with the thread', 'floor (a) answering at once (information)', await compare(2000, 1, floor, floorThread)));

  // The same small invoke from a WebSocket client inside main's own process.
  const echo = () => call(echoCall.channel, echoCall.args);
  const invoke = () => call(invokeCall.channel, invokeCall.args);
  await compare(2, 200, echo, invoke);
  rows.push(row("small invoke from a client in main's process", 'bare echo over the same WebSocket (information)', await compare(10, 200, echo, invoke)));
  const fromClient = await compare(2000, 1, floorThread, invoke);
  rows.push(row("small invoke from a client in main's process", 'floor (a) with the thread', fromClient, { p50: 1.3 }));
  // What this path must do that floor (a) leaves out: the client's request and answer cross a
  // WebSocket, both ends of it in this process. Its floor is that bare echo and then floor (a), one
  // after the other in each call, interleaved call by call with the invoke like the others.
  const echoThenThread = async () => {
    await echo();
    await floorThread();
  };
  await compare(200, 1, echoThenThread, invoke);
  rows.push(row("small invoke from a client in main's process", "floor (a'): the same client's bare WebSocket echo, then floor (a) with the thread", await compare(2000, 1, echoThenThread, invoke), { p50: 1.3 }));
  // Floor (c), for a panel: its bare WebSocket echo plus floor (a) with the thread, each measured in this run.
  const floorC = { ...panel.single.baseline, p50: panel.single.baseline.p50 + threadAfterPanel.p50, p99: panel.single.baseline.p99 + threadAfterPanel.p99 };
  rows.push(row('small invoke from a panel in chromium', "floor (c): the panel's bare WebSocket echo + floor (a) with the thread", { baseline: floorC, subject: panel.single.subject }, { p50: 1.3 }));
  bareChild.stop();
  threadChild.stop();

  // Memory: resident size of one plugin host with the hello plugin (before any large payload went
  // through it), sandboxed and not, against a bare Node process.
  const clean = tempHome();
  const env = cleanEnv(clean.home);
  const bareRss = Number(spawnSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss), 50)'], { encoding: 'utf8', env }).stdout);
  // Both on fresh hosts that served nothing yet, so neither carries the other benchmarks' heap.
  for (const [label, sandbox] of [
    ['plugin host RSS, sandboxed', 'auto'],
    ['plugin host RSS, not sandboxed', 'off'],
  ] as const) {
    const fresh = await startedHost(sandbox);
    const rss = (await fresh.host.plugins.memoryOf(HELLO)).rss;
    rows.push({ name: `${label} (${(rss / 2 ** 20).toFixed(1)} MiB)`, baselineName: `bare Node RSS (${(bareRss / 2 ** 20).toFixed(1)} MiB)`, subjectP50: rss, baselineP50: bareRss, ratioP50: rss / bareRss, unit: 'bytes' });
    await fresh.host.shutdown();
    fresh.cleanup();
  }
  // 2. 1 MiB payload through the plugin as main forwards a panel's call (JSON text in, the answer as
  //    the plugin wrote it out), against parse + stringify of the same payload alone.
  const bigText = JSON.stringify({ data: 'x'.repeat(1024 * 1024) });
  const parseAlone = () => JSON.stringify(JSON.parse(bigText));
  const bigInvoke = () => host.plugins.invokeWireRaw('plugin_dev_example_my_plugin_ping', bigText);
  await compare(2, 5, parseAlone, bigInvoke);
  rows.push(row('1 MiB invoke (main -> plugin -> main)', 'JSON.parse + JSON.stringify of it', await compare(10, 20, parseAlone, bigInvoke), { p50: 2 }));

  ws.close();

  await stop();

  // 4. Cold plugin load (bubblewrap, process start, proof and lockdown, dlopen, on_load, until the
  //    plugin is active; the host's own set-up before it is not counted), sandboxed and not, against
  //    starting a bare Node process with the clean environment plugin hosts get (not the shell's);
  //    and floor (d): the same two sandbox layers starting that Node, which loads ffi-rs (the
  //    least a plugin host must load to reach a plugin). A plugin load ends with a live process, so
  //    each baseline is timed until its script says it runs (a byte on a pipe), not until it has
  //    also exited, which costs another ~7 ms that no plugin load pays; the start-to-exit figures
  //    stay as information. Taken in turns, so a slow stretch of the machine weighs on all alike.
  console.log(`cold-load baselines: ${process.execPath} with the environment ${JSON.stringify(env)}`);
  const said = "process.stdout.write('r')";
  const floorD = sandboxedNode(`${LOAD_FFI}; ${said}`);
  const bareNode = { command: process.execPath, args: ['-e', said] };
  const loads = { bare: [] as number[], bareExit: [] as number[], floorD: [] as number[], floorDExit: [] as number[], auto: [] as number[], off: [] as number[] };
  for (let i = 0; i < 15; i++) {
    const bare = await timeStart(bareNode.command, bareNode.args, env);
    loads.bare.push(bare.ready);
    loads.bareExit.push(bare.exited);
    const floor = await timeStart(floorD.command, floorD.args, env);
    loads.floorD.push(floor.ready);
    loads.floorDExit.push(floor.exited);
    for (const sandbox of ['auto', 'off'] as const) {
      const h = await startedHost(sandbox);
      loads[sandbox].push(h.startMs);
      await h.host.shutdown();
      h.cleanup();
    }
  }
  const bare = summarize(loads.bare);
  const floorDSummary = summarize(loads.floorD);
  rows.push(row('cold plugin load, sandboxed', 'starting a bare Node process until its script runs, clean environment', { baseline: bare, subject: summarize(loads.auto) }, { p50: 1.5 }));
  rows.push(row('cold plugin load, sandboxed', 'floor (d): both sandbox layers starting that Node until it has loaded ffi-rs', { baseline: floorDSummary, subject: summarize(loads.auto) }));
  rows.push(row('floor (d)', 'starting a bare Node process until its script runs (information)', { baseline: bare, subject: floorDSummary }));
  rows.push(row('cold plugin load, not sandboxed', 'starting a bare Node process until its script runs, clean environment', { baseline: bare, subject: summarize(loads.off) }));
  rows.push(row('cold plugin load, sandboxed', 'a bare Node process started and exited, as earlier runs timed it (information)', { baseline: summarize(loads.bareExit), subject: summarize(loads.auto) }));
  rows.push(row('floor (d) started and exited', 'a bare Node process started and exited (information)', { baseline: summarize(loads.bareExit), subject: summarize(loads.floorDExit) }));
  clean.cleanup();
  return rows;
}
