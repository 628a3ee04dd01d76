/**
 * The head of a request a plugin's own HTTP client sends to its egress proxy (design §8), read by
 * main, never trusted from the plugin host that forwarded it. Pure: bytes in, a target out.
 *
 * Two forms are served: `CONNECT host:port` (what reqwest, ureq and curl use for https; TLS stays
 * end to end, so only host and port are known) and absolute-form plain http
 * (`GET http://host/path HTTP/1.1`), whose full URL is decided and audited like `ctx.http()`.
 */

/** The most a request head may take before main decides it (a longer one is refused). */
export const MAX_HEAD_BYTES = 64 * 1024;

export type ProxyTarget =
  /** A tunnel: `url` is what the policy decides on (https, or http for port 80). */
  | { kind: 'connect'; host: string; port: number; url: string }
  /**
   * One plain-http request: `head` is what goes to the server (origin-form, `Connection: close`),
   * then exactly `bodyLength` bytes of body, and nothing after: one audited request per connection.
   */
  | { kind: 'http'; method: string; url: string; host: string; port: number; head: Buffer; bodyLength: number };

export type ParsedHead = { ok: true; target: ProxyTarget; proxyUser?: string } | { ok: false; status: number; message: string };

/** The user name of a `Proxy-Authorization: Basic` header (how a program's run names itself), if there is one. */
function proxyUserOf(headers: ReadonlyArray<[string, string]>): string | undefined {
  const value = headers.find(([name]) => name.toLowerCase() === 'proxy-authorization')?.[1];
  const m = /^Basic ([A-Za-z0-9+/=]{1,512})$/.exec(value ?? '');
  if (!m?.[1]) return undefined;
  const user = Buffer.from(m[1], 'base64').toString('latin1').split(':')[0];
  return user ? user.slice(0, 128) : undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Hop-by-hop and proxy headers: the proxy sets its own, the server never sees these.
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'upgrade', 'host']);

const bad = (message: string, status = 400): ParsedHead => ({ ok: false, status, message });

function hostAndPort(url: URL, scheme: 'http' | 'https'): { host: string; port: number } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port) };
}

export function parseProxyHead(head: Buffer): ParsedHead {
  if (head.length > MAX_HEAD_BYTES) return bad(`the request head is over ${MAX_HEAD_BYTES} bytes`, 431);
  const text = head.toString('latin1');
  if (!text.endsWith('\r\n\r\n')) return bad('the request head does not end with an empty line');
  const lines = text.slice(0, -4).split('\r\n');
  if (lines.some((l) => /[\0\n\r]/.test(l))) return bad('the request head holds control characters');
  const [method = '', target = '', version = '', ...extra] = (lines[0] ?? '').split(' ');
  if (extra.length > 0 || !TOKEN.test(method) || !/^HTTP\/1\.[01]$/.test(version)) return bad('the request line is not "METHOD target HTTP/1.1"');
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return bad(`a header line is malformed: ${JSON.stringify(line.slice(0, 80))}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }

  if (method === 'CONNECT') {
    // An authority only: no user info, path, query or fragment may hide in it.
    if (!/^(\[[0-9A-Fa-f:.]+\]|[^\s:/?#@[\]]+):\d{1,5}$/.test(target)) return bad(`CONNECT needs host:port, not ${JSON.stringify(target.slice(0, 200))}`);
    let url: URL;
    try {
      url = new URL(`https://${target}/`);
    } catch {
      return bad(`CONNECT to an invalid host: ${JSON.stringify(target.slice(0, 200))}`);
    }
    const { host, port } = hostAndPort(url, 'https');
    if (port < 1 || port > 65535) return bad(`CONNECT to an invalid port: ${port}`);
    const policyUrl = new URL(`${port === 80 ? 'http' : 'https'}://${url.hostname}:${port}/`).toString();
    return withUser({ ok: true, target: { kind: 'connect', host, port, url: policyUrl } }, headers);
  }

  if (target.startsWith('https://')) return bad('an https URL goes through CONNECT, so that TLS stays between the plugin and the server');
  if (!target.startsWith('http://')) return bad('this is a proxy: send the absolute URL (http://host/path), or CONNECT for https');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return bad(`not a valid URL: ${JSON.stringify(target.slice(0, 200))}`);
  }
  const { host, port } = hostAndPort(url, 'http');
  // The body's end must be known from the head, so that nothing after it (a second request) goes.
  if (headers.some(([name]) => name.toLowerCase() === 'transfer-encoding')) return bad('a plain-http request through this proxy gives its body a Content-Length (Transfer-Encoding is not relayed)', 411);
  const lengths = [...new Set(headers.filter(([name]) => name.toLowerCase() === 'content-length').map(([, v]) => v))];
  if (lengths.length > 1 || (lengths.length === 1 && !/^\d{1,15}$/.test(lengths[0] as string))) return bad('the request has a malformed or more than one Content-Length');
  const bodyLength = lengths.length === 1 ? Number(lengths[0]) : 0;
  const kept = headers.filter(([name]) => !DROPPED.has(name.toLowerCase()));
  const origin = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...kept.map(([n, v]) => `${n}: ${v}`), 'Connection: close', '', ''].join('\r\n');
  return withUser({ ok: true, target: { kind: 'http', method, url: url.toString(), host, port, head: Buffer.from(origin, 'latin1'), bodyLength } }, headers);
}

function withUser(parsed: { ok: true; target: ProxyTarget }, headers: ReadonlyArray<[string, string]>): ParsedHead {
  const proxyUser = proxyUserOf(headers);
  return proxyUser ? { ...parsed, proxyUser } : parsed;
}

/** Where a request head ends in what a client sent so far (the index after the empty line), or -1. */
export function headEnd(buffered: Buffer): number {
  const at = buffered.indexOf('\r\n\r\n');
  return at === -1 ? -1 : at + 4;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway', 504: 'Gateway Timeout' };

/** The answer to a CONNECT the host allowed. */
export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');

/**
 * A refusal as the plugin's client receives it: the status, and the reason in a header and the
 * body, so that whatever the client shows (reqwest: the status; curl: the body) says why.
 */
export function proxyRefusal(status: number, message: string): Buffer {
  const body = Buffer.from(`HaloForge Host refused this request: ${message}\n`, 'utf8');
  const header = message.replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\nX-HaloForge-Refusal: ${header}\r\n\r\n`, 'latin1'),
    body,
  ]);
}
