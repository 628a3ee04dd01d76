import { WEB_PANEL_HOST } from '../../../main/core/frontends/frame-document';
import type { EventName, Events } from '../../../main/core/ipc/channels';
import { makeApi, type Call, type HaloForgeApi } from '../../../preload/api';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * The web host's stand-in for the preload: exactly the same API, carried over a WebSocket that
 * presents this launch's token (taken from the URL fragment, which is never sent to a server).
 */
export function createWebBridge(location: Location = window.location): HaloForgeApi {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ipc?token=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((ok, fail) => {
    socket.addEventListener('open', () => ok());
    socket.addEventListener('close', () => fail(new Error('the web host refused the connection (is the token in the address right?)')));
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(payload: never) => void>>();

  socket.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as Reply | { event: EventName; payload: unknown };
    if ('event' in msg) {
      listeners.get(msg.event)?.forEach((l) => l(msg.payload as never));
      return;
    }
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.ok) w.resolve(msg.result);
    else w.reject(new Error(msg.error ?? 'unknown error'));
  });

  const call: Call = async (channel, args) => {
    await opened;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.send(JSON.stringify({ id, channel, args }));
    });
  };

  function subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const set = listeners.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    listeners.set(event, set);
    return () => set.delete(listener as (payload: never) => void);
  }

  // Each plugin's frames have an origin of their own below the panels' name (main/web/server.ts).
  return makeApi(call, subscribe, (label) => `${location.protocol}//${label}.${WEB_PANEL_HOST}:${location.port}`);
}
