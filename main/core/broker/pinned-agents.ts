import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';

type LookupCallback = Parameters<LookupFunction>[2];

/**
 * undici Agents that can only connect to one address: their DNS lookup answers with the address the
 * policy checked, whatever the host name, so no second lookup can rebind the name between the check
 * and the connection. TLS still verifies the certificate against the host name. Agents are kept per
 * address so that connections are reused.
 */
export class PinnedAgents {
  private readonly agents = new Map<string, Agent>();

  constructor(
    /** Passed to every Agent: timeouts, and the response size cap that undici enforces as it reads. */
    private readonly options: { headersTimeout: number; bodyTimeout: number; maxResponseSize: number },
    private readonly max = 64,
  ) {}

  for(address: string): Agent {
    const existing = this.agents.get(address);
    if (existing) return existing;
    const family = isIP(address) === 6 ? 6 : 4;
    const pinned = (_host: string, options: { all?: boolean }, callback: LookupCallback) => {
      if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const agent = new Agent({ ...this.options, connect: { lookup: pinned as unknown as LookupFunction } });
    if (this.agents.size >= this.max) {
      const [oldest, old] = this.agents.entries().next().value as [string, Agent];
      this.agents.delete(oldest);
      void old.close();
    }
    this.agents.set(address, agent);
    return agent;
  }

  async closeAll(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.close()));
  }
}
