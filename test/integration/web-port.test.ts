/**
 * The web host keeps its port across restarts, so a tab left open finds it again (and is told the
 * host restarted, as its token is new); a port taken since is given up for another.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { launchWebHost } from '../helpers/web-process';
import { scratchHome } from '../helpers/per-test';

describe('the web host, started again over the same data folder', () => {
  it('listens on the port it had, with a new token', async () => {
    const home = scratchHome();
    const first = await launchWebHost(home);
    await first.end('SIGTERM');
    const second = await launchWebHost(home);
    try {
      expect(second.port).toBe(first.port);
      expect(second.url).not.toBe(first.url);
    } finally {
      await second.end('SIGTERM');
    }
  });

  it('takes another port when its own was taken meanwhile', async () => {
    const home = scratchHome();
    const first = await launchWebHost(home);
    await first.end('SIGTERM');
    const squatter = createServer();
    await new Promise<void>((listening) => squatter.listen(first.port, '127.0.0.1', listening));
    try {
      const second = await launchWebHost(home);
      expect(second.port).not.toBe(first.port);
      await second.end('SIGTERM');
    } finally {
      squatter.close();
    }
  });
});
