import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../../../preload/api';
import { createWebBridge } from './web-bridge';

/** A WebSocket the test drives: it opens, answers and closes when told. */
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: string[] = [];
  private handlers = new Map<string, Array<(e: { data?: string }) => void>>();
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  addEventListener(type: string, h: (e: { data?: string }) => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), h]);
  }
  send(text: string): void {
    this.sent.push(text);
  }
  emit(type: string, data?: string): void {
    for (const h of this.handlers.get(type) ?? []) h({ data });
  }
}

let serverUp = true;
const location = { protocol: 'http:', host: 'app.localhost:4000', port: '4000', hash: '#token=abc' } as Location;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  serverUp = true;
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('fetch', async () => ({ ok: serverUp }));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function bridge() {
  const api = createWebBridge(location);
  const states: ConnectionState[] = [];
  api.watchConnection((s) => states.push(s));
  return { api, states, socket: () => FakeSocket.all.at(-1) as FakeSocket };
}

describe('the web bridge', () => {
  it('presents the token and answers calls once connected', async () => {
    const { api, states, socket } = bridge();
    expect(socket().url).toBe('ws://app.localhost:4000/ipc?token=abc');
    socket().emit('open');
    const ping = api.ping(1);
    await vi.waitFor(() => expect(socket().sent).toHaveLength(1));
    socket().emit('message', JSON.stringify({ id: 1, ok: true, result: 1 }));
    await expect(ping).resolves.toBe(1);
    expect(states).toEqual(['connecting', 'connected']);
  });

  it("fails the one call whose answer is not JSON (main passes plugins' answers on unparsed)", async () => {
    const { api, socket } = bridge();
    socket().emit('open');
    const ping = api.ping(1);
    await vi.waitFor(() => expect(socket().sent).toHaveLength(1));
    socket().emit('message', '{"id":1,"ok":true,"result":{not json}');
    await expect(ping).rejects.toThrow("Serialization error: the plugin's answer is not JSON");
  });

  it('fails waiting and new calls at once when the connection is lost, and comes back by itself', async () => {
    const { api, states, socket } = bridge();
    const first = socket();
    first.emit('open');
    const waiting = api.ping(1);
    await vi.waitFor(() => expect(first.sent).toHaveLength(1));
    first.emit('close');
    await expect(waiting).rejects.toThrow('HaloForge Host is not reachable: the connection was lost; reconnecting…');
    await expect(api.ping(2)).rejects.toThrow('the connection was lost');
    expect(states.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(2);
    socket().emit('open');
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('keeps trying while the host is down, and says it was restarted when it answers but refuses the token', async () => {
    const { api, states, socket } = bridge();
    socket().emit('open');
    socket().emit('close');
    serverUp = false;
    await vi.advanceTimersByTimeAsync(1000);
    socket().emit('close');
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(3);
    serverUp = true;
    socket().emit('close');
    await vi.waitFor(() => expect(states.at(-1)).toBe('replaced'));
    await expect(api.ping(1)).rejects.toThrow('its address carries a token from another launch, or none');
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.all).toHaveLength(3);
  });

  it('says once that a page without the right token was refused', async () => {
    const { api, states, socket } = bridge();
    socket().emit('close');
    await expect(api.ping(1)).rejects.toThrow('refused this page');
    expect(states).toEqual(['connecting', 'replaced']);
  });
});
