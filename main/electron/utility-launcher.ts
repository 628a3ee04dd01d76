import { utilityProcess } from 'electron';
import { pluginHostEnv } from '../core/plugins/host-env';
import type { FromPluginHost } from '../core/plugins/host-protocol';
import type { HostLauncher, HostProcess } from '../core/plugins/launcher';

/** Starts each plugin host as an Electron utilityProcess (design §2). */
export function utilityHostLauncher(hostScript: string): HostLauncher {
  return (pluginId) => {
    const child = utilityProcess.fork(hostScript, [], { serviceName: `HaloForge plugin ${pluginId}`, stdio: ['ignore', 'ignore', 'pipe'], env: pluginHostEnv(process.env) });
    let stderrTail = '';
    const lineListeners: Array<(line: string) => void> = [];
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4096);
      for (const line of chunk.split('\n')) if (line.trim()) lineListeners.forEach((l) => l(line));
    });
    let alive = true;
    const host: HostProcess = {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        if (alive) child.postMessage(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as FromPluginHost)),
      onStderrLine: (l) => lineListeners.push(l),
      onExit: (l) =>
        child.on('exit', (code) => {
          alive = false;
          l({ code, signal: null, stderrTail });
        }),
      kill: () => {
        if (alive) child.kill();
      },
    };
    return host;
  };
}
