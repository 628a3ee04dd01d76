import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { contentType } from '../core/content-types';
import { answerJson } from '../core/json-bytes';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events } from '../core/ipc/channels';
import type { Dispatch } from '../core/ipc/router';
import { WEB_PANEL_HOST as PANEL_HOST } from '../core/frontends/frame-document';
import { createFrameServer, type FramedPlugin } from '../core/frontends/frame-server';
import { HOST_TARGET, type Logger } from '../core/log/logger';


/**
 * The same policy the Electron window gets: nothing remote, scripts only from this origin; frames
 * only from plugin frame origins (`<label>.app.localhost`, see core/frontends).
 */
const panelCsp = (port: number) =>
  `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src http://*.${PANEL_HOST}:${port}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`;

export interface WebHost {
  url: string;
  port: number;
  token: string;
  /** Sends an event to every connected panel. */
  broadcast<E extends EventName>(event: E, payload: Events[E]): void;
  close(): Promise<void>;
}

export interface WebHostOptions {
  dispatch: Dispatch;
  rendererDir: string;
  logger: Logger;
  port?: number;
  /** Plugin frames: which active plugin a frame label names, and the built frame runtime. */
  frames?: { lookup: (label: string) => FramedPlugin | undefined; runtimePath: string };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The web host of design §6: the core behind a loopback-only HTTP + WebSocket server. Every
 * request must name this server by its loopback host (no DNS rebinding); the WebSocket also needs
 * this launch's random token and an Origin of this server (no cross-site use).
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = randomBytes(32).toString('base64url');
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const allowedHosts = new Set([`${PANEL_HOST}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  const root = resolve(opts.rendererDir);
  const frameHost = new RegExp(`^(p-[0-9a-f]{20})\\.${PANEL_HOST.replace('.', '\\.')}:${port}$`);
  const frames = opts.frames && createFrameServer({ ...opts.frames, panelOrigins: [...allowedOrigins] });

  const refuse = (res: ServerResponse, status: number, why: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${why}\n`);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
      const label = frameHost.exec(req.headers.host ?? '')?.[1];
      if (label && frames) {
        const answer = await frames(label, new URL(req.url ?? '/', `http://${req.headers.host}`));
        res.writeHead(answer.status, answer.headers).end(req.method === 'HEAD' ? undefined : answer.body);
        return;
      }
      if (!allowedHosts.has(req.headers.host ?? '')) return refuse(res, 421, 'wrong Host header');
      const path = decodeURIComponent(new URL(req.url ?? '/', `http://${req.headers.host}`).pathname);
      const file = resolve(join(root, path === '/' ? 'index.html' : path));
      const rel = relative(root, file);
      if (rel.startsWith('..') || rel.includes('\0')) return refuse(res, 404, 'not found');
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': contentType(file) ?? 'application/octet-stream',
          'content-security-policy': panelCsp(port),
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
          // Cross-origin isolation: no page of another origin can open a window onto the panels or
          // load their files, and the panels can load nothing that is not theirs.
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
          'cross-origin-resource-policy': 'same-origin',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        refuse(res, 404, 'not found');
      }
    })().catch(() => refuse(res, 500, 'internal error'));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const why = !allowedHosts.has(req.headers.host ?? '')
      ? 'wrong Host header'
      : !allowedOrigins.has(req.headers.origin ?? '')
        ? `origin ${JSON.stringify(req.headers.origin ?? '(none)')} is not this host`
        : url.pathname !== '/ipc' || !sameSecret(url.searchParams.get('token') ?? '', token)
          ? 'missing or wrong token'
          : undefined;
    if (why) {
      opts.logger.log('warn', HOST_TARGET, `web host refused a connection: ${why}`);
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // A protocol violation (an oversized frame, bad UTF-8) ends that connection, never the host.
      ws.on('error', (e) => {
        opts.logger.log('warn', HOST_TARGET, `web host dropped a connection: ${e.message}`);
        ws.terminate();
      });
      ws.on('message', (data) => void answer(ws, data.toString()));
    });
  });

  async function answer(ws: WebSocket, text: string): Promise<void> {
    let id: unknown = null;
    try {
      const msg = JSON.parse(text) as { id?: unknown; channel?: unknown; args?: unknown };
      id = msg.id;
      if (typeof id !== 'number') throw new Error('every request needs a numeric id');
      ws.send(answerJson(id, await opts.dispatch(msg.channel, msg.args)));
    } catch (e) {
      ws.send(JSON.stringify({ id, ok: false, error: (e as Error).message }));
    }
  }

  return {
    url: `http://${PANEL_HOST}:${port}/#token=${token}`,
    port,
    token,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of clients) ws.send(text);
    },
    close: () =>
      new Promise<void>((done) => {
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => done());
        // A page still open (a frame's keep-alive connection, a request under way) must not hold
        // the shutdown: every connection goes now.
        server.closeAllConnections();
      }),
  };
}
