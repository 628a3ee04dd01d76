import { spawn, type ChildProcess } from 'node:child_process';
import { Server, Socket } from 'node:net';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Bubblewrap } from '../sandbox/bubblewrap';
import { PRIVATE_TMP, grantTops, supervisorStart, type HostRoot } from '../sandbox/grant-view';
import { pluginHostView, runtimeFiles, type HostRuntime } from '../sandbox/host-view';
import { SupervisorLink } from '../sandbox/supervisor-link';
import { GATE_IN_SANDBOX as PROGRAM_SHIM } from '../processes/program-service';
import { readFrames, writeFrame } from './frames';
import { CHANNEL_FD, HANDOVER_FD, type FromPluginHost } from './host-protocol';
import type { HostExit, HostLauncher, HostProcess, LaunchTarget } from './launcher';

const STDERR_TAIL_BYTES = 4096;
/**
 * The descriptors a plugin host inherits: its channel to main, (in the grant view) its way to hand
 * its seccomp listener to the supervisor, and, for a plugin host that hands main an egress
 * listener, HANDOVER_FD (see egressListenerOf).
 */
export const VIEW_FD = 4;

/**
 * Everything a plugin host's environment holds, and nothing of main's: no secrets, no paths to
 * sockets or files outside its view. Under Electron the runtime is Electron's own binary, run as
 * Node.
 */
export function pluginHostEnv(target: LaunchTarget, tmp: string, viewFd?: number): NodeJS.ProcessEnv {
  return { PATH: target.programs.searchPath, HOME: target.dataDir, TMPDIR: tmp, LANG: 'C.UTF-8', ELECTRON_RUN_AS_NODE: '1', ...(viewFd === undefined ? {} : { HALOFORGE_VIEW_FD: String(viewFd) }) };
}

/**
 * bubblewrap exits with 128 + N when the process it runs is killed by signal N (and so does the
 * supervisor between): reported as that signal, so a crash reads "killed by SIGSEGV" whether or
 * not the plugin host was sandboxed.
 */
export function unwrapExit(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: string | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
  return name ? { code: null, signal: name } : { code, signal };
}

/**
 * The outer sandbox a supervisor runs in where it cannot make its own namespaces (see
 * ../sandbox/supervisor-namespaces): a user and mount namespace of its own where it may mount
 * (root there, mapped to the user), the host's files as they are, a /run of its own for the tree.
 * Nothing more than what bubblewrap itself does, so it works wherever bubblewrap does.
 */
export function supervisorArguments(): string[] {
  return ['--unshare-user', '--uid', '0', '--gid', '0', '--cap-add', 'ALL', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--bind', '/', '/', '--dev-bind', '/dev', '/dev', '--tmpfs', '/run', '--die-with-parent', '--'];
}

/** The supervisor's command line: making its own namespaces, or inside the outer bubblewrap. */
function supervisorCommand(bwrap: string, grantView: GrantViewSetup, fds: string[]): [string, string[]] {
  return grantView.ownNamespaces ? [grantView.supervisor, ['--own-namespaces', ...fds]] : [bwrap, [...supervisorArguments(), grantView.supervisor, ...fds]];
}

/**
 * The egress proxy's listening socket, made by the plugin host on its sandbox's loopback and
 * handed over on Node's IPC channel before its plugin loads; from then on main accepts the
 * plugin's connections itself, with no relay between (design §8). Resolves once the plugin host
 * has closed that channel (Node then closes main's end), so whoever waits for it knows no plugin
 * code can find the channel open; to undefined when nothing usable came or the process ended first.
 * The plugin host closes it, not main: Node never reports 'close' for a child whose channel the
 * parent disconnected, and the end of a crash's stderr waits on 'close'.
 */
function egressListenerOf(child: ChildProcess): Promise<Server | undefined> {
  return new Promise((handed) => {
    let listener: Server | undefined;
    const onMessage = (_message: unknown, handle: unknown) => {
      // One listener, once: anything else that comes is not kept.
      if (handle instanceof Server && listener === undefined) listener = handle;
      else if (handle instanceof Server) handle.close();
      else if (handle instanceof Socket) handle.destroy();
    };
    child.on('message', onMessage);
    child.once('disconnect', () => {
      child.off('message', onMessage);
      handed(listener);
      // Handed on, it is its taker's to close.
      listener = undefined;
    });
    child.once('exit', () => {
      listener?.close();
      handed(undefined);
    });
  });
}

/** What the grant view needs of the machine and the host: its supervisor, the root's top level, the host's own folders. */
export interface GrantViewSetup {
  supervisor: string;
  /** Whether the supervisor makes its own namespaces here; else it runs inside bubblewrap. */
  ownNamespaces: boolean;
  /** The program shim and gate (static binaries; design §8.1). */
  shim: string;
  gate: string;
  /** The user's git identity as a configuration file (programs' git reads it as its global one). */
  gitIdentity?: string;
  root: HostRoot;
  protectedRoots: readonly string[];
}

/**
 * The one launcher of both shells (design §8, §8.1): each plugin host is the runtime (Node, or
 * Electron run as Node) running the plugin host script, inside bubblewrap, started by a supervisor
 * that owns the sandbox's view (the user's grants, mounted at their real paths) and answers its
 * path calls. It talks to main over a socket pair on fd 3 in frames (see ./frames), the supervisor
 * on another. Where bubblewrap is unusable the runtime is started directly; its proof then fails,
 * and the gate keeps the plugin off unless the user allowed unconfined plugins.
 */
export function hostLauncher(runtime: HostRuntime, bubblewrap: Bubblewrap, grantView: GrantViewSetup): HostLauncher {
  const files = bubblewrap.ok ? runtimeFiles(runtime) : undefined;
  return (target) => {
    const sandboxed = bubblewrap.ok && files !== undefined;
    // The bridge is named on the command line: everything else comes through it (see ./frames).
    const command = [runtime.runtime, runtime.hostScript, target.bridge.path];
    // Node's IPC channel costs its child ~4 ms of start and ~0.2 MiB: only a plugin host that hands
    // over an egress listener gets one.
    const handover = target.egress ? { stdio: ['ipc'] as const, fds: [String(HANDOVER_FD)] } : { stdio: [], fds: [] };
    const child = sandboxed
      ? spawn(...supervisorCommand(bubblewrap.path, grantView, [String(VIEW_FD), String(CHANNEL_FD), ...handover.fds]), { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...handover.stdio], env: pluginHostEnv(target, PRIVATE_TMP, VIEW_FD) })
      : spawn(runtime.runtime, [runtime.hostScript, target.bridge.path], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'ignore', ...handover.stdio], env: pluginHostEnv(target, '/tmp') });
    const egressListener = target.egress ? egressListenerOf(child) : Promise.resolve(undefined);
    const link = sandboxed
      ? new SupervisorLink(
          child.stdio[VIEW_FD] as Duplex,
          supervisorStart(pluginHostView(files, target), {
            root: grantView.root,
            protectedRoots: grantView.protectedRoots,
            bwrap: bubblewrap.path,
            command,
            grants: target.grants,
            ask: target.ask,
            programs: { shim: grantView.shim, gate: grantView.gate, shims: target.programs.shims, programs: target.programs.programs, ...(grantView.gitIdentity ? { gitIdentity: grantView.gitIdentity } : {}) },
          }),
          target.view,
        )
      : undefined;
    let stderrTail = '';
    let stoppedBecause: string | undefined;
    const channel = child.stdio[CHANNEL_FD] as Duplex;
    const messageListeners: Array<(m: FromPluginHost) => void> = [];
    readFrames(
      channel,
      (m) => messageListeners.forEach((l) => l(m as FromPluginHost)),
      (e) => {
        // The plugin host runs plugin code: a bad frame ends it, never main.
        stoppedBecause ??= `sent a malformed message (${e.message}); it was stopped`;
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
        child.on('close', (code, signal) => l({ ...(sandboxed ? unwrapExit(code, signal) : { code, signal }), stderrTail, stoppedBecause } satisfies HostExit));
      },
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      // Landlock's write rules hold on the tree's top-level folders: what is writable below them is
      // what the view mounted read-write (the data folder, the private temporary folder, grants).
      // What may be executed: the shims only (each asks main, which runs the real program in a
      // sandbox of its own). Unsandboxed, there is no supervisor to ask: nothing.
      lockdown: sandboxed ? { writable: [...grantTops(grantView.root), PRIVATE_TMP], view: true, executable: [...target.programs.shims, PROGRAM_SHIM] } : { writable: [target.dataDir, '/tmp'], view: false, executable: [] },
      view: link,
      egressListener: () => egressListener,
    };
    child.on('error', (e) => {
      stderrTail += `\ncannot start the plugin host: ${e.message}`;
    });
    return process_;
  };
}
