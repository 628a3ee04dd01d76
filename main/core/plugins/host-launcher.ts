import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Bubblewrap } from '../sandbox/bubblewrap';
import { pluginHostView, runtimeFiles, type HostRuntime } from '../sandbox/host-view';
import { bwrapArguments } from '../sandbox/view';
import { readFrames, writeFrame } from './frames';
import type { FromPluginHost } from './host-protocol';
import type { HostExit, HostLauncher, HostProcess, LaunchTarget } from './launcher';

const STDERR_TAIL_BYTES = 4096;

/**
 * Everything a plugin host's environment holds, and nothing of main's: no secrets, no paths to
 * sockets or files outside its view. Under Electron the runtime is Electron's own binary, run as
 * Node.
 */
export function pluginHostEnv(target: LaunchTarget): NodeJS.ProcessEnv {
  return { PATH: '/usr/bin:/bin', HOME: target.dataDir, TMPDIR: '/tmp', LANG: 'C.UTF-8', ELECTRON_RUN_AS_NODE: '1' };
}

/**
 * bubblewrap exits with 128 + N when the process it runs is killed by signal N: reported as that
 * signal, so a crash reads "killed by SIGSEGV" whether or not the plugin host was sandboxed.
 */
export function unwrapExit(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: string | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
  return name ? { code: null, signal: name } : { code, signal };
}

/**
 * The one launcher of both shells (design §8): each plugin host is the runtime (Node, or Electron
 * run as Node) running the plugin host script, inside bubblewrap started by its absolute path, and
 * talks to main over a socket pair on fd 3 in frames (see ./frames). Where bubblewrap is unusable
 * the runtime is started directly; its proof then fails, and the gate keeps the plugin off unless
 * the user allowed unconfined plugins.
 */
export function hostLauncher(runtime: HostRuntime, bubblewrap: Bubblewrap): HostLauncher {
  const files = bubblewrap.ok ? runtimeFiles(runtime) : undefined;
  return (target) => {
    const [command, argv] =
      bubblewrap.ok && files
        ? [bubblewrap.path, [...bwrapArguments(pluginHostView(files, target)), '--', runtime.runtime, runtime.hostScript]]
        : [runtime.runtime, [runtime.hostScript]];
    const sandboxed = bubblewrap.ok;
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: pluginHostEnv(target) });
    let stderrTail = '';
    const channel = child.stdio[3] as Duplex;
    const messageListeners: Array<(m: FromPluginHost) => void> = [];
    readFrames(
      channel,
      (m) => messageListeners.forEach((l) => l(m as FromPluginHost)),
      (e) => {
        // The plugin host runs plugin code: a bad frame ends it, never main.
        stderrTail += `\nsent a malformed message (${e.message}); it was stopped`;
        channel.destroy();
        child.kill('SIGKILL');
      },
    );
    // Writes fail once the plugin host is gone; its exit is reported through onExit.
    channel.on('error', () => undefined);
    const lineListeners: Array<(line: string) => void> = [];
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) lineListeners.forEach((l) => l(line));
    });
    const process_: HostProcess = {
      pid: child.pid,
      send: (m) => {
        if (channel.writable) writeFrame(channel, m);
      },
      onMessage: (l) => messageListeners.push(l),
      onStderrLine: (l) => lineListeners.push(l),
      onExit: (l) => {
        // 'close' waits for stderr to end, so the tail holds the last words of a crash.
        child.on('close', (code, signal) => l({ ...(sandboxed ? unwrapExit(code, signal) : { code, signal }), stderrTail } satisfies HostExit));
      },
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
    child.on('error', (e) => {
      stderrTail += `\ncannot start the plugin host: ${e.message}`;
    });
    return process_;
  };
}
