/**
 * The plugin host process: one per plugin. It owns the plugin's native code, so a crash, abort or
 * hang here costs this process only; main supervises and restarts it.
 */
import { closeSync } from 'node:fs';
import { asBuffer } from '../core/json-bytes';
import { encodeResults } from '../core/plugins/outbox-format';
import { CHANNEL_FD, HANDOVER_FD, type LoadRequest, type PrepareRequest, type ToPluginHost } from '../core/plugins/host-protocol';
import { ParentChannel } from './channel';
import { closeHandover, handOverEgressListener } from './egress-proxy';
import { NativeBridge, readPluginAbiVersion } from './native-bridge';
import { lookAround, ownRights } from './proof';

// The grant view's supervisor waits for this process's listener on this descriptor (see
// core/plugins/host-launcher); it is kept only until the lockdown has handed the listener over.
const viewFd = Number(process.env.HALOFORGE_VIEW_FD) || undefined;
delete process.env.HALOFORGE_VIEW_FD;
// Main names the bridge on the command line: every message comes through it, the first included.
const bridge = new NativeBridge(process.argv[2] ?? '', CHANNEL_FD);
const parent = new ParentChannel(bridge);
let prepared = false;

/**
 * Looks at this process from inside, locks it down (seccomp, Landlock) and reports all of it to
 * main, which decides whether the plugin may load here at all.
 */
async function prepare(req: PrepareRequest): Promise<void> {
  if (prepared) throw new Error('this plugin host is prepared already');
  prepared = true;
  // Before anything else of the plugin's: no door out of the sandbox but the channels to main (and
  // that one). Node opened the handover channel itself; it is closed below, before the plugin loads.
  bridge.closeInherited([...(viewFd === undefined ? [] : [viewFd]), ...(process.channel ? [HANDOVER_FD] : [])]);
  // What it sees first, before the lockdown routes its path calls to the supervisor.
  const seen = lookAround(req.canary);
  let egressPort: number | undefined;
  if (req.egress) {
    // Listening comes before the lockdown, which allows connecting to this one port only.
    egressPort = await handOverEgressListener();
    pointClientsAt(`http://127.0.0.1:${egressPort}`);
  }
  // Closed before anything else of the plugin's runs; Node closes it only once main has taken the
  // listener, which this waits for (the event loop does not run again before the plugin loads).
  if (process.connected) await closeHandover();
  const viewSocket = req.view && req.lockDown ? viewFd : undefined;
  if (viewFd !== undefined && viewSocket === undefined) closeSync(viewFd);
  const lockdown = req.lockDown ? bridge.lockDown(req.writable, egressPort, viewSocket, req.executable) : { seccomp: false, landlock: 'not-enforced', landlockAllThreads: false, viewListener: false, problems: ['the sandbox was turned off for this run'] };
  parent.send({ type: 'proof', proof: { ...seen, ...ownRights(), lockdown } });
}

/**
 * The variables HTTP clients read for their proxy (reqwest, ureq, curl, Go, Python), set before the
 * plugin loads. Nothing is exempt: a client that bypasses the proxy finds no network at all.
 */
function pointClientsAt(proxyUrl: string): void {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    process.env[name] = proxyUrl;
    process.env[name.toLowerCase()] = proxyUrl;
  }
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
}

let loading = false;

function load(req: LoadRequest): void {
  if (!prepared || loading) {
    parent.send({ type: 'loaded', ok: false, code: 'already_loaded', error: prepared ? 'this plugin host already has a plugin loaded' : 'this plugin host was not prepared' });
    return;
  }
  loading = true;
  // Look at the file first (no plugin code runs), then read its ABI version through ffi-rs, and only
  // then let the bridge create the plugin.
  const inspected = bridge.inspect(req.library);
  if (!inspected.ok) {
    parent.send({ type: 'loaded', ok: false, code: inspected.code, error: inspected.error });
    return;
  }
  const info = bridge.info();
  const abi = readPluginAbiVersion(req.library);
  if (!info.ok || abi !== info.abiVersion) {
    parent.send({
      type: 'loaded',
      ok: false,
      code: 'abi_mismatch',
      error: `${req.library} uses plugin ABI version ${abi}, this host speaks version ${String(info.ok ? info.abiVersion : '?')}: rebuild the plugin against haloforge-plugin-api 0.2.x`,
    });
    return;
  }
  // The outcome comes back through the outbox as a `loaded` message.
  if (bridge.load(req) !== 0) parent.send({ type: 'loaded', ok: false, code: 'already_loaded', error: 'this plugin host is already loading a plugin' });
}

/** Answers a command or step the bridge would not start, so main's caller is not left waiting. */
function refused(id: number, rc: number): void {
  const error = rc === -1 ? 'no plugin is loaded in this plugin host' : 'the host bridge refused the call';
  parent.send({ type: 'outbox', batch: encodeResults([{ id, ok: false, text: error }]) });
}

/** Handles one of main's messages; a promise when the next must wait for it (prepare: an egress handover needs the event loop). */
function handle(message: ToPluginHost): Promise<void> | undefined {
  switch (message.type) {
    case 'prepare':
      return prepare(message).catch((e: Error) => parent.send({ type: 'fatal', error: e.message }));
    case 'load':
      load(message);
      return;
    case 'invoke': {
      const rc = bridge.invoke(message.id, message.command, asBuffer(message.args));
      if (rc !== 0) refused(message.id, rc);
      return;
    }
    case 'step': {
      const rc = bridge.runStep(message.id, message.stepType, asBuffer(message.config));
      if (rc !== 0) refused(message.id, rc);
      return;
    }
    case 'settings-changed':
      bridge.settingsChanged(message.json);
      return;
    case 'app-event':
      bridge.dispatchEvent(message.json);
      return;
    case 'complete':
      // -1: the plugin thread gave up waiting (timed out); nothing is left to answer.
      if (message.body === undefined) bridge.complete(message.id, asBuffer(message.json));
      else bridge.completeHttp(message.id, asBuffer(message.json), asBuffer(message.body));
      return;
    case 'stats': {
      const m = process.memoryUsage();
      parent.send({ type: 'stats', rss: m.rss, heapUsed: m.heapUsed });
      return;
    }
    case 'unload': {
      const reply = bridge.unload();
      // What on_unload logged goes out first.
      bridge.flush();
      parent.send(reply.ok ? { type: 'unloaded', ok: true } : { type: 'unloaded', ok: false, error: reply.error });
      // Blocked handler threads cannot be joined; the process ends here and takes them with it.
      process.exit(0);
    }
  }
}

/**
 * Answers main's messages one after another, waiting in the bridge for each; Node's event loop
 * runs only while a message needs it (then this starts again once it is handled).
 */
function serve(): void {
  for (;;) {
    const message = parent.next();
    let pending: Promise<void> | undefined;
    try {
      pending = handle(message);
    } catch (e) {
      parent.send({ type: 'fatal', error: (e as Error).message });
    }
    if (pending) {
      void pending.then(serve);
      return;
    }
  }
}

serve();
