import { CONNECTION_ERROR, WEB_PANEL_HOST, makeApi, type Call, type ConnectionState, type EventName, type Events, type HaloForgeApi } from '../../../preload/api';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const RETRY_MS = 1000;
const LOST = 'HaloForge Host is not reachable: the connection was lost; reconnecting…';
const REPLACED = 'HaloForge Host refused this page: its address carries a token from another launch, or none. Open the address `npm start` printed.';

/**
 * The web host's stand-in for the preload: exactly the same API, carried over a WebSocket that
 * presents this launch's token (taken from the URL fragment, which is never sent to a server). A
 * lost connection is noticed at once: calls waiting fail with that message, new ones fail at once,
 * and it reconnects every second; a server that answers but refuses the token was restarted.
 */
export function createWebBridge(location: Location = window.location): HaloForgeApi {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const address = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ipc?token=${encodeURIComponent(token)}`;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const watchers = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let socket: WebSocket;
  let firstOpen: (ok: boolean) => void = () => undefined;
  const opened = new Promise<boolean>((settle) => (firstOpen = settle));

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const w of watchers) w(next);
  }

  const connectionError = (message: string) => Object.assign(new Error(message), { name: CONNECTION_ERROR });

  function failWaiting(message: string): void {
    for (const w of waiting.values()) w.reject(connectionError(message));
    waiting.clear();
  }

  /** A server that serves its page but refused the socket has another token: it was restarted. */
  async function serverUp(): Promise<boolean> {
    try {
      return (await fetch('/', { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  }

  function connect(): void {
    socket = new WebSocket(address);
    let didOpen = false;
    socket.addEventListener('open', () => {
      didOpen = true;
      firstOpen(true);
      setState('connected');
    });
    socket.addEventListener('close', () => {
      if (didOpen) {
        setState('reconnecting');
        failWaiting(LOST);
        setTimeout(connect, RETRY_MS);
        return;
      }
      void serverUp().then((up) => {
        if (up) {
          firstOpen(false);
          setState('replaced');
          failWaiting(REPLACED);
        } else {
          if (state === 'connecting') setState('reconnecting');
          setTimeout(connect, RETRY_MS);
        }
      });
    });
    socket.addEventListener('message', (e) => {
      let msg: Reply | { event: EventName; payload: unknown };
      try {
        msg = JSON.parse(String(e.data)) as Reply | { event: EventName; payload: unknown };
      } catch {
        // Main passes a plugin's answer on unparsed: one that is not JSON fails its call, here.
        const id = Number(/^\{"id":(\d+),/.exec(String(e.data))?.[1]);
        msg = { id, ok: false, error: "Serialization error: the plugin's answer is not JSON" };
      }
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
  }
  connect();
  // Opening the new address of a restarted host in this tab changes only the fragment: start afresh.
  globalThis.addEventListener?.('hashchange', () => location.reload());

  const call: Call = async (channel, args) => {
    if (state === 'connecting' && !(await opened)) throw connectionError(REPLACED);
    if (state === 'replaced') throw connectionError(REPLACED);
    if (state !== 'connected') throw connectionError(LOST);
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

  function watchConnection(watcher: (state: ConnectionState) => void): () => void {
    watchers.add(watcher);
    watcher(state);
    return () => watchers.delete(watcher);
  }

  // Each plugin's frames have an origin of their own below the panels' name (main/web/server.ts).
  return makeApi(call, subscribe, (label) => `${location.protocol}//${label}.${WEB_PANEL_HOST}:${location.port}`, watchConnection);
}
