import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { readFrames, writeFrame } from './frames';
import { pluginHostEnv } from './host-env';
import type { FromPluginHost } from './host-protocol';
import type { HostExit, HostLauncher, HostProcess } from './launcher';

const STDERR_TAIL_BYTES = 4096;

/**
 * Starts each plugin host as a plain Node child process (web mode and the command line; Electron
 * uses utilityProcess instead), talking over a socket pair on fd 3 in frames (see ./frames).
 * Confined, it starts inside its own user and network namespace; the socket pair crosses it.
 */
export function nodeHostLauncher(hostScript: string, opts: { confine: boolean; nodePath?: string }): HostLauncher {
  const nodePath = opts.nodePath ?? process.execPath;
  const [command, argv] = opts.confine ? ['unshare', ['-rn', nodePath, hostScript]] : [nodePath, [hostScript]];
  return () => {
    const child = spawn(command, argv, {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...pluginHostEnv(process.env), ELECTRON_RUN_AS_NODE: '1' },
    });
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
        child.on('close', (code, signal) => l({ code, signal, stderrTail } satisfies HostExit));
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
