import { readFileSync, readdirSync } from 'node:fs';
import { decisions } from '../helpers/hosts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../main/core/audit/entry';
import { createHost, type HostOptions } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { PermissionPrompt, PromptAnswer } from '../../main/core/prompts/prompt-types';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';
import { startTestServer, type TestServer } from '../helpers/servers';

const FETCHER = 'dev.haloforge.sample.fetcher';
const BROWSER = 'dev.haloforge.sample.browser';
const MISBEHAVE = 'dev.haloforge.test.misbehave';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());


/** DNS for the tests' made-up names: every one of them is this machine. */
const names: Record<string, string[]> = { 'api.hf.test': ['127.0.0.1'], 'other.hf.test': ['127.0.0.1'] };

interface Setup {
  /** Answers the scripted user gives, in order; `never` leaves the prompt open. */
  answers?: Array<PromptAnswer | 'never'>;
  localNetwork?: boolean;
  promptTimeoutMs?: number;
  requestTimeoutMs?: number;
  timeouts?: HostOptions['timeouts'];
  /** How long the scripted user takes to answer. */
  answerAfterMs?: number;
  resolver?: (host: string) => Promise<string[]>;
  brokerLimits?: HostOptions['brokerLimits'];
  /** network_http_domain values of the fetcher plugin (default: api.hf.test on the server's port). */
  fetcherScopes?: string[];
}

async function start(setup: Setup = {}) {
  const home = scratchHome();
  const scope = `api.hf.test:${server.port}`;
  installSample(home, { sample: 'fetcher', manifest: (m) => (m.permissions = (setup.fetcherScopes ?? [scope]).map((value) => ({ type: 'network_http_domain', value }))) });
  installSample(home, { sample: 'browser' });
  installSample(home, { sample: 'misbehave', manifest: (m) => (m.permissions = [{ type: 'network_http_domain', value: scope }]) });
  const asked: PermissionPrompt[] = [];
  const answers = [...(setup.answers ?? [])];
  const host = tracked(createHost({
    home,
    logger: new FileLogger(homeLayout(home).logs, 'trace'),
    resolver: setup.resolver ?? (async (h) => names[h] ?? Promise.reject(new Error(`ENOTFOUND ${h}`))),
    timeouts: { promptMs: setup.promptTimeoutMs ?? 5000, ...(setup.requestTimeoutMs ? { requestMs: setup.requestTimeoutMs } : {}), ...setup.timeouts },
    brokerLimits: setup.brokerLimits,
    asker: (p) => {
      asked.push(p);
      const a = answers.shift() ?? 'deny';
      if (a === 'never') return new Promise<PromptAnswer>(() => undefined);
      return new Promise<PromptAnswer>((resolve) => setTimeout(() => resolve(a), setup.answerAfterMs ?? 0));
    },
  }));
  for (const id of [FETCHER, BROWSER, MISBEHAVE]) host.grants.setLocalNetwork(id, setup.localNetwork ?? true, 'panel');
  host.plugins.discover();
  // The user approves what each plugin asks for at install (contract §2.5).
  for (const id of [FETCHER, BROWSER, MISBEHAVE]) await host.plugins.approve(id, 'all');
  await host.plugins.startAll();
  const audit = (): AuditEntry[] => decisions(host);
  const logs = (): string => readdirSync(host.layout.logs).map((f) => readFileSync(join(host.layout.logs, f), 'utf8')).join('');
  return { host, asked, audit, logs, home };
}

const url = (path: string, name = 'api.hf.test') => `http://${name}:${server.port}${path}`;

describe('a network_http_domain plugin', () => {
  it('reaches its host end to end, recorded in the audit file', async () => {
    const { host, audit, asked } = await start();
    const r = await host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json') });
    expect(r).toMatchObject({ status: 200, body: { hello: 'world' }, headers: { 'content-type': 'application/json' } });
    expect(asked).toEqual([]);
    const lines = audit();
    expect(lines.map((l) => [l.event, l.decision, l.rule])).toEqual([
      ['decision', 'allow', `network_http_domain:api.hf.test:${server.port}`],
      ['response', 'allow', `network_http_domain:api.hf.test:${server.port}`],
    ]);
    expect(lines[1]).toMatchObject({ pluginId: FETCHER, method: 'GET', url: url('/json'), status: 200, bytes: expect.any(Number) as number, durationMs: expect.any(Number) as number });
  });

  it('gets a text body as a JSON string and can POST JSON', async () => {
    const { host } = await start();
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/text') })).resolves.toMatchObject({ body: 'plain words' });
    await expect(host.plugins.invoke(FETCHER, 'post_json', { url: url('/echo'), body: { n: 1 } })).resolves.toMatchObject({ body: { method: 'POST', body: '{"n":1}' } });
  });

  it('gets each body as the bridge reads the bytes main passed on: JSON only when it says so and parses, text otherwise', async () => {
    const { host } = await start();
    const fetched = (path: string) => host.plugins.invoke(FETCHER, 'fetch_json', { url: url(path) });
    await expect(fetched('/empty')).resolves.toMatchObject({ status: 204, body: '' });
    await expect(fetched('/not-json')).resolves.toMatchObject({ status: 200, body: '{"cut": ' });
    await expect(fetched('/problem')).resolves.toMatchObject({ status: 400, body: { title: 'Café ☕ 😀' } });
    await expect(fetched('/utf8')).resolves.toMatchObject({ status: 200, body: 'naïve “quotes” 😀' });
    await expect(fetched('/big?bytes=100000')).resolves.toMatchObject({ status: 200, body: 'z'.repeat(100_000) });
  });

  it('is denied another host with PermissionDenied and no prompt', async () => {
    const { host, audit, asked } = await start();
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json', 'other.hf.test') })).rejects.toThrow(/^Permission denied: other\.hf\.test:\d+ is outside the plugin's network_http_domain scope/);
    expect(asked).toEqual([]);
    expect(audit()).toMatchObject([{ event: 'decision', decision: 'deny', rule: 'network_http_domain:no-match' }]);
  });

  it('cannot reach the loopback address its host resolves to while local network access is off', async () => {
    const { host, audit } = await start({ localNetwork: false });
    const before = server.seen.length;
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/Permission denied: .*127\.0\.0\.1, a loopback address; local network access is off/);
    expect(audit()).toMatchObject([{ decision: 'deny', rule: 'address:loopback' }]);
    expect(server.seen.length).toBe(before);
  });

  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', 'address:cloud-metadata'],
    ['the unspecified address', `http://0.0.0.0:${0}/json`, 'address:unspecified'],
    ['a host outside its scope', 'http://other.hf.test/json', 'network_http_domain:no-match'],
  ])('is refused a redirect to %s, each hop decided again', async (_what, to, rule) => {
    const { host, audit } = await start();
    const target = to.replace(':0/', `:${server.port}/`);
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url(`/redirect?to=${encodeURIComponent(target)}`) })).rejects.toThrow(/^Permission denied:/);
    expect(audit().map((l) => [l.hop, l.event, l.decision, l.status ?? null, l.rule])).toEqual([
      [0, 'decision', 'allow', null, `network_http_domain:api.hf.test:${server.port}`],
      [0, 'response', 'allow', 302, `network_http_domain:api.hf.test:${server.port}`],
      [1, 'decision', 'deny', null, rule],
    ]);
  });

  it('lets only a safe list of request headers follow a redirect to another origin, so no credential does under any name', async () => {
    const { host } = await start({ fetcherScopes: [`api.hf.test:${server.port}`, `other.hf.test:${server.port}`] });
    const headers = { Authorization: 'Bearer a', 'X-Goog-Api-Key': 'b', 'X-Auth-Token': 'c', 'Private-Token': 'd', 'X-Custom-Secret-Thing': 'e', Accept: 'application/json', 'User-Agent': 'hf-test' };
    await host.plugins.invoke(FETCHER, 'fetch_json', { url: url(`/redirect?to=${encodeURIComponent(`http://other.hf.test:${server.port}/json`)}`), headers });
    const [first, second] = server.seen.slice(-2);
    expect(first?.headers).toMatchObject({ authorization: 'Bearer a', 'x-goog-api-key': 'b', 'private-token': 'd' });
    expect(second?.headers).toMatchObject({ accept: 'application/json', 'user-agent': 'hf-test' });
    for (const name of ['authorization', 'x-goog-api-key', 'x-auth-token', 'private-token', 'x-custom-secret-thing']) expect(second?.headers[name]).toBeUndefined();
  });

  it('connects to the address that was checked, whatever a later lookup answers', async () => {
    // A second server on another loopback address and the same port: where a re-lookup would go.
    const other = await startTestServer('127.0.0.2', server.port);
    const lookups: string[] = [];
    const { host } = await start({
      resolver: async (h) => {
        lookups.push(h);
        return lookups.length === 1 ? ['127.0.0.1'] : ['127.0.0.2'];
      },
    });
    const r = (await host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json') })) as { body: { served: string } };
    expect(r.body.served).toBe('127.0.0.1');
    expect(lookups).toEqual(['api.hf.test']);
    expect(other.seen).toEqual([]);
    await other.close();
  });

  it('keeps secrets from headers and query strings out of the audit file and the log', async () => {
    const { host, audit, logs } = await start();
    await host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json?api_key=sekrit-query-456&page=2'), headers: { Authorization: 'Bearer sekrit-header-123' } });
    const audited = JSON.stringify(audit());
    expect(audited).toContain('api_key=REDACTED&page=2');
    for (const text of [audited, logs()]) {
      expect(text).not.toContain('sekrit-query-456');
      expect(text).not.toContain('sekrit-header-123');
    }
    expect(server.seen.at(-1)?.headers.authorization).toBe('Bearer sekrit-header-123');
  });
});

describe("the broker's limits", () => {
  it.each([
    ['a response that does not start in time', '/slow?ms=3000', /^Network error: request to http:\/\/api\.hf\.test:\d+\/slow\?ms=3000 timed out after 400 ms$/],
    ['a response that does not finish in time', '/drip', /^Network error: response from http:\/\/api\.hf\.test:\d+\/drip took longer than 400 ms$/],
    ['a response larger than the cap', '/big?bytes=5000', /^Network error: response from .* exceeds the limit of 1000 bytes$/],
  ])('end %s with a clear error, recorded in the audit file', async (_what, path, message) => {
    const { host, audit } = await start({ requestTimeoutMs: 400, brokerLimits: { maxResponseBytes: 1000 } });
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url(path) })).rejects.toThrow(message);
    await expect.poll(() => audit().map((l) => l.event)).toEqual(['decision', 'error']);
  });

  it('refuse a request body over the cap, and one request too many in flight', async () => {
    const { host } = await start({ brokerLimits: { maxRequestBytes: 100, maxConcurrentPerPlugin: 2 } });
    await expect(host.plugins.invoke(FETCHER, 'post_json', { url: url('/echo'), body: { text: 'x'.repeat(200) } })).rejects.toThrow(/^Network error: request body of \d+ bytes exceeds the limit of 100 bytes$/);
    const slow = [1, 2].map(() => host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/slow?ms=500') }));
    await expect.poll(() => server.seen.filter((s) => s.url.startsWith('/slow')).length).toBeGreaterThanOrEqual(2);
    await expect(host.plugins.invoke(FETCHER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/already has 2 requests in flight, the most allowed at once/);
    await Promise.all(slow);
  });
});

describe('a network_http plugin', () => {
  it('asks on first use; deny gives PermissionDenied', async () => {
    const { host, asked, audit } = await start({ answers: ['deny'] });
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/^Permission denied: .*the user denied it/);
    expect(asked).toMatchObject([{ pluginId: BROWSER, pluginName: 'Browser', method: 'GET', host: 'api.hf.test', port: server.port, scheme: 'http', unencrypted: true, permission: 'network_http', tier: 'Sensitive' }]);
    expect(audit()).toMatchObject([{ decision: 'deny', rule: 'prompt:deny', prompt: 'deny' }]);
  });

  it('allow once lets one request through and asks again next time', async () => {
    const { host, asked, audit } = await start({ answers: ['allow-once', 'deny'] });
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).resolves.toMatchObject({ status: 200 });
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/denied/);
    expect(asked).toHaveLength(2);
    expect(audit().map((l) => [l.event, l.decision, l.rule, l.prompt ?? null])).toEqual([
      ['decision', 'allow', 'prompt:allow-once', 'allow-once'],
      ['response', 'allow', 'prompt:allow-once', null],
      ['decision', 'deny', 'prompt:deny', 'deny'],
    ]);
  });

  it('allow always stores a grant; no second prompt; revoking brings the prompt back', async () => {
    const { host, asked, audit } = await start({ answers: ['allow-always', 'deny'] });
    await host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') });
    await host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/text') });
    expect(asked).toHaveLength(1);
    const [grant] = host.grants.list(BROWSER);
    expect(grant).toMatchObject({ host: 'api.hf.test', port: server.port, via: 'prompt: allow always' });
    expect(JSON.parse(readFileSync(join(host.layout.home, 'grants.json'), 'utf8')).grants).toHaveLength(1);
    expect(audit().filter((l) => l.event === 'decision').map((l) => [l.rule, l.grantId])).toEqual([
      ['grant', grant?.id],
      ['grant', grant?.id],
    ]);
    host.grants.revoke(grant?.id ?? '', 'panel');
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/denied/);
    expect(asked).toHaveLength(2);
  });

  it('keeps an answer for as long as the user chose: 24 hours on disk with its expiry, until quitting in memory only', async () => {
    const { host } = await start({ answers: ['allow-day'] });
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).resolves.toMatchObject({ status: 200 });
    const [day] = host.grants.list(BROWSER);
    expect(day).toMatchObject({ scheme: 'http', host: 'api.hf.test', port: server.port, lasts: 'day', via: 'prompt: allow for 24 hours', lastUsedAt: expect.any(String) as string });
    expect(Date.parse(day?.expiresAt ?? '') - Date.parse(day?.createdAt ?? '')).toBe(24 * 60 * 60 * 1000);

    const session = await start({ answers: ['allow-session'] });
    await session.host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') });
    expect(session.host.grants.list(BROWSER)).toMatchObject([{ lasts: 'session', expiresAt: null }]);
    expect(readFileSync(join(session.host.layout.home, 'grants.json'), 'utf8')).not.toContain('session');
  });

  it('treats a prompt nobody answers as deny', async () => {
    const { host, audit } = await start({ answers: ['never'], promptTimeoutMs: 300 });
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/nobody answered the permission prompt within 0.3 s/);
    expect(audit()).toMatchObject([{ decision: 'deny', rule: 'prompt:timeout', prompt: 'timeout' }]);
  });

  it("holds the command's clock while its prompt waits, so an unanswered prompt ends as a denial and the plugin host keeps running", async () => {
    const { host } = await start({ answers: ['never'], timeouts: { invokeMs: 800, requestMs: 400, programMs: 400, promptMs: 1500 } });
    const pid = host.plugins.pidOf(BROWSER);
    await expect(host.plugins.invoke(BROWSER, 'fetch_json', { url: url('/json') })).rejects.toThrow(/^Permission denied: .*nobody answered the permission prompt within 1\.5 s$/);
    expect(host.plugins.pidOf(BROWSER)).toBe(pid);
    await expect(host.plugins.invoke(BROWSER, 'has_http', {})).resolves.toEqual({ http: true });
  });

  it('shares one open prompt among requests for the same host', async () => {
    const { host, asked } = await start({ answers: ['allow-once'], answerAfterMs: 500 });
    const results = await Promise.all([1, 2, 3].map((i) => host.plugins.invoke(BROWSER, 'fetch_json', { url: url(`/json?i=${i}`) })));
    expect(results).toHaveLength(3);
    expect(asked).toHaveLength(1);
  });
});

describe('the sandbox', () => {
  it("makes a plugin's own socket fail while its brokered request works", async () => {
    const { host } = await start();
    expect(host.plugins.get(MISBEHAVE)?.sandbox).toMatchObject({ state: 'sandboxed' });
    await expect(host.plugins.invoke(MISBEHAVE, 'connect_direct', { host: '127.0.0.1', port: server.port })).rejects.toThrow(/^Network error: .*(not permitted|Permission denied|unreachable|refused)/i);
    await expect(host.plugins.invoke(MISBEHAVE, 'fetch_json', { url: url('/json') })).resolves.toMatchObject({ status: 200 });
  });
});
