import { describe, expect, it } from 'vitest';
import { headEnd, MAX_HEAD_BYTES, parseProxyHead, proxyRefusal } from './proxy-head';

const head = (text: string) => Buffer.from(text, 'latin1');

describe('a request head sent to the egress proxy', () => {
  it.each([
    ['CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n', { kind: 'connect', host: 'api.example.com', port: 443, url: 'https://api.example.com/' }],
    ['CONNECT API.Example.COM:8443 HTTP/1.1\r\n\r\n', { kind: 'connect', host: 'api.example.com', port: 8443, url: 'https://api.example.com:8443/' }],
    ['CONNECT plain.example.com:80 HTTP/1.1\r\n\r\n', { kind: 'connect', host: 'plain.example.com', port: 80, url: 'http://plain.example.com/' }],
    ['CONNECT [::1]:443 HTTP/1.1\r\n\r\n', { kind: 'connect', host: '::1', port: 443, url: 'https://[::1]/' }],
    ['CONNECT 0x7f.1:443 HTTP/1.1\r\n\r\n', { kind: 'connect', host: '127.0.0.1', port: 443, url: 'https://127.0.0.1/' }],
  ])('is a tunnel to where the policy sees it: %j', (text, target) => {
    expect(parseProxyHead(head(text))).toEqual({ ok: true, target });
  });

  it('is a plain-http request rewritten for the server: origin form, its own Host, no proxy headers, Connection: close', () => {
    const parsed = parseProxyHead(head('POST http://api.example.com:8080/v1/items?q=1 HTTP/1.1\r\nHost: evil.example\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n'));
    expect(parsed.ok && parsed.target).toMatchObject({ kind: 'http', method: 'POST', url: 'http://api.example.com:8080/v1/items?q=1', host: 'api.example.com', port: 8080, bodyLength: 2 });
    expect(parsed.ok && parsed.target.kind === 'http' && parsed.target.head.toString('latin1')).toBe(
      'POST /v1/items?q=1 HTTP/1.1\r\nHost: api.example.com:8080\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n',
    );
  });

  it("names the program run that sent it, by its proxy user (never passed on)", () => {
    const auth = Buffer.from('hf-run-abc123:x').toString('base64');
    const connect = parseProxyHead(head(`CONNECT api.example.com:443 HTTP/1.1\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`));
    expect(connect).toMatchObject({ ok: true, proxyUser: 'hf-run-abc123' });
    const plain = parseProxyHead(head(`GET http://api.example.com/ HTTP/1.1\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`));
    expect(plain.ok && plain.proxyUser).toBe('hf-run-abc123');
    expect(plain.ok && plain.target.kind === 'http' && plain.target.head.toString('latin1')).not.toMatch(/Proxy-Authorization/i);
    expect(parseProxyHead(head('CONNECT api.example.com:443 HTTP/1.1\r\nProxy-Authorization: Bearer x\r\n\r\n'))).not.toHaveProperty('proxyUser');
  });

  it.each([
    ['POST http://api.example.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', 411, /Content-Length/],
    ['POST http://api.example.com/ HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\n', 400, /more than one Content-Length/],
    ['POST http://api.example.com/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400, /malformed/],
    ['CONNECT user:pw@api.example.com:443 HTTP/1.1\r\n\r\n', 400, /CONNECT needs host:port/],
    ['CONNECT api.example.com HTTP/1.1\r\n\r\n', 400, /CONNECT needs host:port/],
    ['CONNECT api.example.com:443/x HTTP/1.1\r\n\r\n', 400, /CONNECT needs host:port/],
    ['CONNECT api.example.com:99999 HTTP/1.1\r\n\r\n', 400, /invalid/],
    ['GET https://api.example.com/ HTTP/1.1\r\n\r\n', 400, /goes through CONNECT/],
    ['GET /index.html HTTP/1.1\r\nHost: api.example.com\r\n\r\n', 400, /this is a proxy/],
    ['GET http://api.example.com/ HTTP/2\r\n\r\n', 400, /request line/],
    ['GET http://api.example.com/ HTTP/1.1\r\nbroken header\r\n\r\n', 400, /header line is malformed/],
    ['GET http://api.example.com/ HTTP/1.1\r\nX: a\nInjected: b\r\n\r\n', 400, /control characters/],
    ['GET http://api.example.com/ HTTP/1.1\r\n', 400, /does not end/],
  ])('is refused when malformed: %j', (text, status, message) => {
    expect(parseProxyHead(head(text))).toEqual({ ok: false, status, message: expect.stringMatching(message) as string });
  });

  it('is refused when too long', () => {
    expect(parseProxyHead(Buffer.alloc(MAX_HEAD_BYTES + 1, 'a'))).toMatchObject({ ok: false, status: 431 });
  });

  it('ends at the first empty line, wherever the chunks were cut', () => {
    expect(headEnd(head('CONNECT a:443 HTTP/1.1\r\n\r\nbody'))).toBe(26);
    expect(headEnd(head('CONNECT a:443 HTTP/1.1\r\n'))).toBe(-1);
  });
});

describe("the proxy's refusal", () => {
  it('says why in the status, a header and the body, with nothing a plugin controls breaking the header', () => {
    const text = proxyRefusal(403, 'evil.example:443 is outside the scope\r\nX-Injected: 1').toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(text).toContain('X-HaloForge-Refusal: evil.example:443 is outside the scope??X-Injected: 1\r\n');
    expect(text).toMatch(/\r\n\r\nHaloForge Host refused this request: evil\.example:443 is outside the scope/);
  });
});
