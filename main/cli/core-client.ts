import { connect, type Socket } from 'node:net';
import { DataLock } from '../core/control/data-lock';
import { controlSocketPath, type ControlAnswer } from '../core/control/protocol';
import { createHost, type Host } from '../core/host';
import type { ChannelName, Channels } from '../core/ipc/channels';
import { createRouter, type Dispatch } from '../core/ipc/router';

/** A failure the app or the local core reported: printed as it is. */
export class CommandFailed extends Error {}

/**
 * What every command of the command line talks to: the running app through its control socket
 * (design §9), so the app's panels see the change at once and nothing is written behind its back;
 * or, when no app runs, a core of its own over the data folder, holding the folder's lock for the
 * command's duration. Either way the same router, with the same checks, answers.
 */
export interface CoreClient {
  /** Where the command runs: in the running app, or in this process. */
  readonly via: 'app' | 'this process';
  call<C extends ChannelName>(channel: C, ...args: Channels[C]['args']): Promise<Channels[C]['result']>;
  close(): Promise<void>;
}

/** What a command needs running when no app does: every plugin (list), one (invoke), or none. */
export type StartWhat = { start: 'all' } | { start: 'one'; pluginId: string } | { start: 'none' };

export async function openCore(home: string, what: string, needs: StartWhat = { start: 'none' }): Promise<CoreClient> {
  const socket = await reach(controlSocketPath(home));
  return socket ? remote(socket) : local(home, what, needs);
}

/** The app's control socket, or undefined when no app answers there. */
function reach(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

function remote(socket: Socket): CoreClient {
  let next = 1;
  let buffered = '';
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const fail = (e: Error) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      let a: ControlAnswer;
      try {
        a = JSON.parse(line) as ControlAnswer;
      } catch {
        // The app passes a plugin's answer on unparsed: one that is not JSON fails here, saying so.
        a = { id: Number(/^\{"id":(\d+),/.exec(line)?.[1]), ok: false, error: "Serialization error: the plugin's answer is not JSON" };
      }
      buffered = buffered.slice(nl + 1);
      const w = waiting.get(a.id);
      waiting.delete(a.id);
      if (a.ok) w?.resolve(a.result);
      else w?.reject(new CommandFailed(a.error));
    }
  });
  socket.on('close', () => fail(new CommandFailed('the app closed its control socket before it answered')));
  socket.on('error', (e) => fail(new CommandFailed(`the app's control socket failed: ${e.message}`)));
  return {
    via: 'app',
    call: (channel, ...args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        socket.write(`${JSON.stringify({ id, channel, args })}\n`);
      }),
    close: async () => {
      socket.end();
    },
  };
}

async function local(home: string, what: string, needs: StartWhat): Promise<CoreClient> {
  const lock = DataLock.acquire(home, { kind: 'cli', what });
  let host: Host | undefined;
  try {
    host = createHost({ home });
    host.plugins.discover();
    if (needs.start === 'all') await host.plugins.startAll();
    else if (needs.start === 'one' && host.plugins.get(needs.pluginId)) await host.plugins.restart(needs.pluginId);
  } catch (e) {
    await host?.shutdown();
    lock.release();
    throw e;
  }
  const running = host;
  const dispatch: Dispatch = createRouter({ ...running, pluginRemoved: () => undefined });
  return {
    via: 'this process',
    call: async (channel, ...args) => {
      try {
        return (await dispatch(channel, args, 'command line')) as never;
      } catch (e) {
        throw new CommandFailed((e as Error).message);
      }
    },
    close: async () => {
      await running.shutdown();
      lock.release();
    },
  };
}
