/**
 * A plugin's own HTTP client (reqwest, as HaloForge's image-studio uses it) works unmodified inside
 * the sandbox, through the egress proxy, and is still decided, pinned and audited (design §8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisions } from '../helpers/hosts';
import { createHost, type HostOptions } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { PermissionPrompt, PromptAnswer } from '../../main/core/prompts/prompt-types';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';
import { startTestServer, TEST_CA_PEM, type TestServer } from '../helpers/servers';

const OWN_FETCHER = 'dev.haloforge.sample.own-fetcher';
const OWN_BROWSER = 'dev.haloforge.sample.own-browser';
const MISBEHAVE = 'dev.haloforge.test.misbehave';

let tls: TestServer;
let plain: TestServer;
beforeAll(async () => {
  tls = await startTestServer('127.0.0.1', 0, { tls: true });
  plain = await startTestServer();
});
afterAll(async () => {
  await tls.close();
  await plain.close();
});

/** DNS for the tests' made-up names, all on this machine; lookups are recorded. */
function stubResolver(looked: string[]) {
  return async (name: string) => {
    looked.push(name);
    if (name.endsWith('.hf.test')) return ['127.0.0.1'];
    throw new Error(`ENOTFOUND ${name}`);
  };
}

async function start(opts: { answers?: PromptAnswer[]; egressLimits?: HostOptions['egressLimits']; misbehave?: Array<{ type: string; value?: unknown }> } = {}) {
  const home = scratchHome();
  installSample(home, { sample: 'own-fetcher', manifest: (m) => (m.permissions = [{ type: 'network_http_domain', value: `api.hf.test:${tls.port}` }, { type: 'network_http_domain', value: `api.hf.test:${plain.port}` }]) });
  installSample(home, { sample: 'own-browser' });
  installSample(home, { sample: 'misbehave', manifest: (m) => (m.permissions = opts.misbehave ?? []) });
  const asked: PermissionPrompt[] = [];
  const answers = [...(opts.answers ?? [])];
  const looked: string[] = [];
  const host = tracked(
    createHost({
      home,
      logger: new FileLogger(homeLayout(home).logs, ''),
      resolver: stubResolver(looked),
      egressLimits: opts.egressLimits,
      asker: async (p) => {
        asked.push(p);
        return answers.shift() ?? 'deny';
      },
    }),
  );
  for (const id of [OWN_FETCHER, OWN_BROWSER]) host.grants.setLocalNetwork(id, true, 'panel');
  host.plugins.discover();
  for (const id of [OWN_FETCHER, OWN_BROWSER]) await host.plugins.approve(id, 'all');
  await host.start();
  const get = (plugin: string, url: string) => host.plugins.invoke(plugin, 'get', { url, ca_pem: TEST_CA_PEM });
  const lines = () => decisions(host).map((e) => [e.event, e.method, e.url, e.decision, e.rule]);
  return { host, asked, looked, get, lines };
}

const https = (path: string, name = 'api.hf.test') => `https://${name}:${tls.port}${path}`;
const http = (path: string, name = 'api.hf.test') => `http://${name}:${plain.port}${path}`;

describe("a plugin's own HTTP client", () => {
  it('reaches an allowed host over https through CONNECT, TLS end to end, decided and audited once per tunnel', async () => {
    const { host, get, lines, asked } = await start();
    await expect(get(OWN_FETCHER, https('/json'))).resolves.toEqual({ status: 200, body: JSON.stringify({ hello: 'world', served: '127.0.0.1' }) });
    expect(asked).toEqual([]);
    await expect.poll(lines).toEqual([
      ['decision', 'CONNECT', `api.hf.test:${tls.port}`, 'allow', `network_http_domain:api.hf.test:${tls.port}`],
      ['response', 'CONNECT', `api.hf.test:${tls.port}`, 'allow', `network_http_domain:api.hf.test:${tls.port}`],
    ]);
    const outcome = decisions(host)[1];
    expect(outcome?.bytes).toBeGreaterThan(0);
    expect(outcome?.bytesSent).toBeGreaterThan(0);
    expect(outcome?.durationMs).toBeGreaterThan(0);
  });

  it('moves a 6 MiB answer intact, both over https and plain http', async () => {
    const { get } = await start();
    const bytes = 6 * 1024 * 1024;
    for (const url of [https(`/big?bytes=${bytes}`), http(`/big?bytes=${bytes}`)]) {
      const r = (await get(OWN_FETCHER, url)) as { status: number; body: string };
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(bytes);
      expect(r.body.replaceAll('z', '')).toBe('');
    }
  });

  it('sends plain http through the proxy with its full URL decided and audited like ctx.http()', async () => {
    const { get, lines } = await start();
    await expect(get(OWN_FETCHER, http('/echo?api_key=sekrit'))).resolves.toMatchObject({ status: 200, body: expect.stringContaining('"method":"GET"') as string });
    expect(plain.seen.at(-1)).toMatchObject({ url: '/echo?api_key=sekrit', headers: { host: `api.hf.test:${plain.port}`, connection: 'close' } });
    expect(plain.seen.at(-1)?.headers['proxy-connection']).toBeUndefined();
    await expect.poll(lines).toEqual([
      ['decision', 'GET', `http://api.hf.test:${plain.port}/echo?api_key=REDACTED`, 'allow', `network_http_domain:api.hf.test:${plain.port}`],
      ['response', 'GET', `http://api.hf.test:${plain.port}/echo?api_key=REDACTED`, 'allow', `network_http_domain:api.hf.test:${plain.port}`],
    ]);
  });

  it('sends one plain-http request per connection, its declared body and not a byte more', async () => {
    const { host } = await start({ misbehave: [{ type: 'ipc_register' }, { type: 'network_http_domain', value: `api.hf.test:${plain.port}` }] });
    host.grants.setLocalNetwork(MISBEHAVE, true, 'panel');
    await host.plugins.approve(MISBEHAVE, 'all');
    const before = plain.seen.length;
    const first = `POST ${http('/echo')} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`;
    const smuggled = `GET ${http('/json')} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { received } = (await host.plugins.invoke(MISBEHAVE, 'proxy_raw', { send: first + smuggled })) as { received: string };
    expect(received).toContain('"body":"hello"');
    expect(plain.seen.slice(before).map((r) => r.url)).toEqual(['/echo']);
  });

  it('is refused a host outside its scope without a lookup, and the plugin sees why', async () => {
    const { get, lines, looked } = await start();
    const before = tls.seen.length;
    await expect(get(OWN_FETCHER, https('/json', 'other.hf.test'))).rejects.toThrow(/^Network error: .*tunnel error: unsuccessful/);
    await expect(get(OWN_FETCHER, http('/json', 'other.hf.test'))).resolves.toEqual({
      status: 403,
      body: expect.stringMatching(/^HaloForge Host refused this request: other\.hf\.test:\d+ is outside the plugin's network_http_domain scope/) as string,
    });
    expect(tls.seen.length).toBe(before);
    expect(looked).toEqual([]);
    expect(lines()).toEqual([
      ['decision', 'CONNECT', `other.hf.test:${tls.port}`, 'deny', 'network_http_domain:no-match'],
      ['decision', 'GET', `http://other.hf.test:${plain.port}/json`, 'deny', 'network_http_domain:no-match'],
    ]);
  });

  it('asks the user for a network_http host: allow once, allow always, deny', async () => {
    const { host, get, asked } = await start({ answers: ['allow-once', 'allow-always', 'deny'] });
    await expect(get(OWN_BROWSER, https('/json'))).resolves.toMatchObject({ status: 200 });
    await expect(get(OWN_BROWSER, https('/json'))).resolves.toMatchObject({ status: 200 });
    await expect(get(OWN_BROWSER, https('/json'))).resolves.toMatchObject({ status: 200 });
    expect(asked).toMatchObject([
      { kind: 'network', pluginId: OWN_BROWSER, method: 'CONNECT', host: 'api.hf.test', port: tls.port, permission: 'network_http' },
      { kind: 'network', pluginId: OWN_BROWSER, method: 'CONNECT', host: 'api.hf.test', port: tls.port },
    ]);
    expect(host.grants.list(OWN_BROWSER)).toMatchObject([{ host: 'api.hf.test', port: tls.port }]);
    await expect(get(OWN_BROWSER, http('/json', 'other.hf.test'))).resolves.toMatchObject({ status: 403, body: expect.stringContaining('the user denied it') as string });
    expect(asked).toHaveLength(3);
  });

  it('has each hop of a redirect decided again: a redirect to a denied host stops there', async () => {
    const { get, lines } = await start();
    const to = encodeURIComponent(https('/json', 'other.hf.test'));
    await expect(get(OWN_FETCHER, https(`/redirect?to=${to}`))).rejects.toThrow(/^Network error: .*tunnel error: unsuccessful/);
    await expect.poll(lines).toEqual([
      ['decision', 'CONNECT', `api.hf.test:${tls.port}`, 'allow', `network_http_domain:api.hf.test:${tls.port}`],
      ['decision', 'CONNECT', `other.hf.test:${tls.port}`, 'deny', 'network_http_domain:no-match'],
      ['response', 'CONNECT', `api.hf.test:${tls.port}`, 'allow', `network_http_domain:api.hf.test:${tls.port}`],
    ]);
  });

  it('loses a host when its grant is revoked while the plugin runs: the open tunnel closes, the next request asks again', async () => {
    const { host, asked } = await start({ answers: ['allow-always', 'deny'] });
    // One client kept between calls, so its tunnel stays open in its connection pool.
    const get = () => host.plugins.invoke(OWN_BROWSER, 'get', { url: https('/json'), ca_pem: TEST_CA_PEM, keep: true });
    await expect(get()).resolves.toMatchObject({ status: 200 });
    await expect(get()).resolves.toMatchObject({ status: 200 });
    expect(host.egress.openCount(OWN_BROWSER)).toBe(1);
    host.grants.revoke(host.grants.list(OWN_BROWSER)[0]?.id ?? '', 'panel');
    await expect.poll(() => host.egress.openCount(OWN_BROWSER)).toBe(0);
    await expect(get()).rejects.toThrow(/tunnel error: unsuccessful/);
    expect(asked).toHaveLength(2);
    expect(decisions(host).map((e) => [e.event, e.decision, e.rule, e.error ?? null])).toEqual([
      ['decision', 'allow', 'grant', null],
      ['error', 'allow', 'grant', 'its grant was revoked'],
      ['decision', 'deny', 'prompt:deny', null],
    ]);
  });

  it('is held to its limits, each a clear error to the client and an audit line', async () => {
    const { get, host } = await start({ egressLimits: { idleMs: 300, maxBytes: 64 * 1024 } });
    await expect(get(OWN_FETCHER, http('/slow?ms=2000'))).rejects.toThrow(/^Network error: /);
    await expect(get(OWN_FETCHER, http('/big?bytes=200000'))).rejects.toThrow(/^Network error: /);
    await expect.poll(() => decisions(host).filter((e) => e.event === 'error').map((e) => e.error)).toEqual(['idle for 300 ms', 'more than 65536 bytes']);
  });

  it('is held to a number of open connections, and the one over it is told why', async () => {
    const { host } = await start({ egressLimits: { maxTunnelsPerPlugin: 1 } });
    const get = (url: string) => host.plugins.invoke(OWN_FETCHER, 'get', { url, ca_pem: TEST_CA_PEM, keep: true });
    await expect(get(https('/json'))).resolves.toMatchObject({ status: 200 });
    // The kept client's tunnel stays open in its pool; a request needing another connection is over the limit.
    await expect(get(http('/json'))).resolves.toEqual({ status: 429, body: expect.stringContaining(`plugin ${OWN_FETCHER} already has 1 connections open through its proxy, the most allowed at once`) as string });
    expect(decisions(host, { decision: 'deny' })).toMatchObject([{ method: 'PROXY', rule: 'egress:limit' }]);
  });

  it('counts a connection from the moment it is accepted, so silent ones cannot pile up in main', async () => {
    const { host } = await start({ egressLimits: { maxTunnelsPerPlugin: 2 }, misbehave: [{ type: 'ipc_register' }, { type: 'network_http_domain', value: `api.hf.test:${plain.port}` }] });
    host.grants.setLocalNetwork(MISBEHAVE, true, 'panel');
    await host.plugins.approve(MISBEHAVE, 'all');
    // Sixteen connections that never send a request: two are waited on (for their head), the next
    // eight are told why they are refused, the rest are closed unanswered.
    const seen = await host.plugins.invoke(MISBEHAVE, 'proxy_hold', { count: 16, wait_ms: 1500 });
    expect(seen).toEqual({ open: 2, answered: Array(8).fill('HTTP/1.1 429 Too Many Requests'), closed: 6 });
    const refusals = decisions(host, { decision: 'deny' });
    expect(refusals).toHaveLength(8);
    expect(refusals[0]).toMatchObject({ method: 'PROXY', rule: 'egress:limit', reason: `plugin ${MISBEHAVE} already has 2 connections open through its proxy, the most allowed at once` });
    // The answered ones are let go (their client keeps them open; main does not), the two silent
    // ones are still held, waiting for a head, until their client closes them.
    await expect.poll(() => host.egress.heldCount(MISBEHAVE)).toBe(2);
    await expect(host.plugins.invoke(MISBEHAVE, 'proxy_release', {})).resolves.toEqual({ released: 16 });
    await expect.poll(() => host.egress.heldCount(MISBEHAVE)).toBe(0);
    // Once under the limit again, a connection is served as before.
    const { received } = (await host.plugins.invoke(MISBEHAVE, 'proxy_raw', { send: `GET ${http('/json')} HTTP/1.1\r\nHost: x\r\n\r\n` })) as { received: string };
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('gets no proxy at all when its plugin holds no network permission', async () => {
    const { host } = await start();
    for (const name of ['HTTP_PROXY', 'https_proxy', 'ALL_PROXY']) await expect(host.plugins.invoke(MISBEHAVE, 'env', { name })).resolves.toEqual({ value: null });
    await expect(host.plugins.invoke(OWN_BROWSER, 'get', { url: https('/json'), ca_pem: TEST_CA_PEM, direct: true })).rejects.toThrow(/^Network error: /);
  });
});
