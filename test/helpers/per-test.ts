import { afterEach } from 'vitest';
import type { Host } from '../../main/core/host';
import { tempHome } from './fixtures';

// What a test started or made, undone after it, whether it passed or not.
const hosts: Host[] = [];
const folders: Array<() => void> = [];

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.shutdown();
  for (const remove of folders.splice(0)) remove();
});

/** A fresh folder (a HALOFORGE_HOME, or a scratch place), removed after the test. */
export function scratchHome(): string {
  const t = tempHome();
  folders.push(t.cleanup);
  return t.home;
}

/** Shuts the host down after the test. */
export function tracked(host: Host): Host {
  hosts.push(host);
  return host;
}
