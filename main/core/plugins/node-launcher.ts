import { spawn } from 'node:child_process';
import type { FromPluginHost } from './host-protocol';
import type { HostExit, HostLauncher, HostProcess } from './launcher';

const STDERR_TAIL_BYTES = 4096;

/**
 * Starts each plugin host as a plain Node child process with an IPC channel (web mode and the
 * command line; Electron uses utilityProcess instead). Confined, it starts inside its own user and
 * network namespace; the IPC channel is a socket pair, which crosses namespaces.
 */
export function nodeHostLauncher(hostScript: string, opts: { confine: boolean; nodePath?: string }): HostLauncher {
  const nodePath = opts.nodePath ?? process.execPath;
  const [command, argv] = opts.confine ? ['unshare', ['-rn', nodePath, hostScript]] : [nodePath, [hostScript]];
  return () => {
    const child = spawn(command, argv, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
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
