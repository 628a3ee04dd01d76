import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface TestServer {
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const tlsDir = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

/**
 * The tests' own certificate authority and a server certificate for `*.hf.test` (valid until 2126),
 * made once with openssl; the CA's key was thrown away. Clients trust `TEST_CA_PEM` explicitly.
 */
export const TEST_CA_PEM = readFileSync(join(tlsDir, 'ca.pem'), 'utf8');
const TEST_TLS = { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.pem')) };

/**
 * A loopback HTTP server for the broker's tests: `/json` answers JSON, `/text` plain text,
 * `/redirect?to=<url>` a 302 to `to`, `/echo` the request it got, `/slow?ms=` answers late, `/big?bytes=` answers that many bytes, `/drip` never finishes.
 * With `tls`, it speaks https with the test certificate for `*.hf.test`.
 */
export async function startTestServer(host = '127.0.0.1', port = 0, opts: { tls?: boolean } = {}): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const handler: RequestListener = (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (url.pathname === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world', served: host }));
      if (url.pathname === '/slow') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'), Number(url.searchParams.get('ms') ?? 1000));
        return;
      }
      if (url.pathname === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('z'.repeat(Number(url.searchParams.get('bytes') ?? 1024)));
      if (url.pathname === '/drip') {
        // Headers at once, then a byte every 100 ms: slow enough to outlast a short deadline.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('.'), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (url.pathname === '/text') return res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      if (url.pathname === '/empty') return res.writeHead(204).end();
      if (url.pathname === '/not-json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"cut": ');
      if (url.pathname === '/problem') return res.writeHead(400, { 'content-type': 'application/problem+json; charset=utf-8' }).end('{"title":"Café ☕ 😀"}');
      if (url.pathname === '/utf8') return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('naïve “quotes” 😀');
      if (url.pathname === '/redirect') return res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      if (url.pathname === '/echo') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString('utf8') }));
      }
      res.writeHead(404).end();
    });
  };
  const server: Server = opts.tls ? createTlsServer(TEST_TLS, handler) : createServer(handler);
  await new Promise<void>((ok) => server.listen(port, host, () => ok()));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
