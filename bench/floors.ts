import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supervisorArguments } from '../main/core/plugins/host-launcher';
import { jsonToBytes } from '../main/core/json-bytes';
import { readFrames, writeFrame } from '../main/core/plugins/frames';
import { findBubblewrap, systemFolders, systemLinks } from '../main/core/sandbox/bubblewrap';
import { appRoot, builtArtifacts } from '../main/core/app-paths';
import { supervisorNamespaces } from '../main/core/sandbox/supervisor-namespaces';

/**
 * The environment every baseline process starts with: what plugin hosts get (core/plugins/
 * host-launcher's pluginHostEnv), not the shell's (a NODE_EXTRA_CA_CERTS there alone makes Node's
 * start 2.5 times slower).
 */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: home, LANG: 'C.UTF-8' };
}

export interface FloorChild {
  /** One round trip of a small command's frame, answered by the child (or its thread). */
  call(args: string): Promise<unknown>;
  stop(): void;
}

/** A bare Node child over a socket pair with our framing (bench/floor-child.ts), started clean. */
export async function floorChild(thread: boolean): Promise<FloorChild> {
  const home = mkdtempSync(join(tmpdir(), 'hf-floor-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'floor-child.ts'), ...(thread ? ['--thread'] : [])], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
    env: cleanEnv(home),
    cwd: join(import.meta.dirname, '..'),
  });
  const channel = child.stdio[3] as Socket;
  const waiting = new Map<number, (v: unknown) => void>();
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  readFrames(
    channel,
    (m) => {
      const msg = m as { type: string; id?: number; value?: unknown };
      if (msg.type === 'ready') return ready();
      waiting.get(msg.id as number)?.(msg.value);
      waiting.delete(msg.id as number);
    },
    (e) => {
      throw e;
    },
  );
  await started;
  let next = 1;
  return {
    call: (args) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        // As main sends a command's arguments: JSON text as bytes.
        writeFrame(channel, { type: 'invoke', id, command: 'ping', args: jsonToBytes(args) });
      }),
    stop: () => {
      child.kill();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * What a plugin host loads of ffi-rs (main/plugin-host/ffi): on glibc Linux, the native binding npm
 * installed, without ffi-rs's entry point.
 */
export const LOAD_FFI = `require('@yuuang/ffi-rs-linux-${process.arch}-gnu')`;

/**
 * The first layer of floors (d) and (e): the five namespaces a supervisor runs in, made the way
 * this machine's supervisors get them (see core/sandbox/supervisor-namespaces). Where they make
 * their own, util-linux's unshare makes the same five and execs what follows (no process stays
 * between); elsewhere the outer bubblewrap plugin hosts run in there.
 */
function supervisorLayer(bwrap: string): { command: string; args: string[] } {
  return supervisorNamespaces(builtArtifacts().supervisor).own
    ? { command: '/usr/bin/unshare', args: ['--user', '--map-root-user', '--mount', '--ipc', '--uts', '--net', '--'] }
    : { command: bwrap, args: supervisorArguments() };
}

/**
 * The least a sandboxed plugin host's start must do, for the cold-load and memory floors: the
 * same two layers plugin hosts run in (the supervisor's namespaces, then a plugin's own bubblewrap
 * with no network, the system folders and the app read-only), starting Node with the clean
 * environment and `script`. Without the supervisor, the grant view, the plugin host script, the
 * bridge and the plugin: what is left is the sandbox's own start and the runtime's.
 */
export function sandboxedNode(script: string): { command: string; args: string[] } {
  const bwrap = findBubblewrap();
  if (!bwrap.ok) throw new Error(`the sandboxed floors need bubblewrap: ${bwrap.reason}`);
  const root = appRoot();
  const inner = [
    '--unshare-all',
    '--die-with-parent',
    ...systemFolders().flatMap((f) => ['--ro-bind', f, f]),
    ...systemLinks().flatMap((l) => ['--symlink', l.target, l.path]),
    '--ro-bind',
    root,
    root,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--chdir',
    root,
    '--',
  ];
  const first = supervisorLayer(bwrap.path);
  return { command: first.command, args: [...first.args, bwrap.path, ...inner, process.execPath, '-e', script] };
}
