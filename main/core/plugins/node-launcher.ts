import { spawn } from 'node:child_process';
import type { FromPluginHost } from './host-protocol';
import type { HostExit, HostLauncher, HostProcess } from './launcher';

const STDERR_TAIL_BYTES = 4096;

/**
 * Starts each plugin host as a plain Node child process with an IPC channel (web mode and the
 * command line; Electron uses utilityProcess instead).
 */
export function nodeHostLauncher(hostScript: string, nodePath: string = process.execPath): HostLauncher {
  return () => {
    const child = spawn(nodePath, [hostScript], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let stderrTail = '';
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
        if (child.connected) child.send(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as FromPluginHost)),
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
