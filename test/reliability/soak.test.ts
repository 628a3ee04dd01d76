import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { installSample, tempHome } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/servers';

const BROWSER = 'dev.haloforge.sample.browser';
let server: TestServer;
let host: Host;
let cleanup: () => void;
let prompts = 0;

beforeAll(async () => {
  server = await startTestServer();
  const t = tempHome();
  cleanup = t.cleanup;
  installSample(t.home, { sample: 'browser' });
  host = createHost({
    home: t.home,
    logger: new FileLogger(homeLayout(t.home).logs, ''),
    resolver: async () => ['127.0.0.1'],
    // The scripted user: every first-use prompt is answered "allow once".
    asker: async () => {
      prompts += 1;
      return 'allow-once';
    },
  });
  host.plugins.discover();
  await host.plugins.approve(BROWSER, 'all');
  host.grants.setLocalNetwork(BROWSER, true, 'panel');
  await host.start();
});

afterAll(async () => {
  await host.shutdown();
  await server.close();
  cleanup();
});

describe('a soak of brokered requests', () => {
  it('answers 1,000 prompted requests without error, with bounded memory and an exact audit trail', async () => {
    const url = `http://api.hf.test:${server.port}/json`;
    const rss = async () => (await host.plugins.memoryOf(BROWSER)).rss;
    for (let i = 0; i < 100; i++) await host.plugins.invoke(BROWSER, 'fetch_json', { url });
    const warm = { plugin: await rss(), main: process.memoryUsage().rss };
    const before = host.audit.query().length;
    for (let i = 0; i < 1000; i++) {
      const r = (await host.plugins.invoke(BROWSER, 'fetch_json', { url: `${url}?i=${i}` })) as { status: number };
      if (r.status !== 200) throw new Error(`request ${i} answered ${r.status}`);
    }
    expect(prompts).toBe(1100);
    await expect.poll(() => host.audit.query().length - before).toBe(2000);
    const lines = host.audit.query().slice(before);
    expect(lines.filter((l) => l.event === 'decision' && l.decision === 'allow' && l.prompt === 'allow-once')).toHaveLength(1000);
    expect(lines.filter((l) => l.event === 'response' && l.status === 200)).toHaveLength(1000);
    // Generous bounds: a leak per request would show as far more over 1,000 requests.
    expect((await rss()) - warm.plugin).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - warm.main).toBeLessThan(256 * 1024 * 1024);
  });
});
