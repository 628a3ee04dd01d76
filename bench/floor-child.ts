/**
 * The least a plugin host round trip must do, for the benchmarks' floors: a bare Node child that
 * reads our frames on fd 3 (the socket pair main gives plugin hosts) and answers each at once, or,
 * with `--thread`, hands each to a worker thread and answers when it comes back (as the plugin
 * host hands a command to its plugin's Rust thread). Nothing else: no bridge, no plugin, no sandbox.
 */
import { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { readFrames, writeFrame } from '../main/core/plugins/frames';

interface Ask {
  id: number;
  args: Uint8Array;
}

const channel = new Socket({ fd: 3, readable: true, writable: true });
channel.on('close', () => process.exit(0));
const answer = (m: Ask) => writeFrame(channel, { type: 'result', id: m.id, ok: true, value: m.args });

let handle = answer;
if (process.argv.includes('--thread')) {
  // The thread echoes what it is given, as a plugin's quick command answers.
  const worker = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
  worker.on('message', (m: Ask) => answer(m));
  handle = (m) => worker.postMessage(m);
}
readFrames(
  channel,
  (m) => handle(m as Ask),
  (e) => {
    throw e;
  },
);
writeFrame(channel, { type: 'ready' });
