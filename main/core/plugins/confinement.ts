import { spawnSync } from 'node:child_process';

/**
 * Whether plugin hosts run without a network of their own (design §2 "Enforcement"). Confined, a
 * plugin that opens a socket gets an error and the broker is its only way out.
 */
export type Confinement = { state: 'confined'; how: string } | { state: 'unconfined'; reason: string };

export const CONFINED: Confinement = { state: 'confined', how: 'own network namespace (unshare -rn): no interfaces, no DNS' };

let probed: Confinement | undefined;

/** Tries `unshare -rn true` once: a user namespace (no root needed) with an empty network namespace. */
export function probeNetworkConfinement(): Confinement {
  if (probed) return probed;
  if (process.platform !== 'linux') {
    probed = { state: 'unconfined', reason: `network namespaces exist on Linux only (this is ${process.platform})` };
    return probed;
  }
  const r = spawnSync('unshare', ['-rn', 'true'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) probed = { state: 'unconfined', reason: `cannot run unshare: ${r.error.message}` };
  else if (r.status !== 0) probed = { state: 'unconfined', reason: `unshare -rn failed: ${(r.stderr || `exit code ${r.status}`).trim()}` };
  else probed = CONFINED;
  return probed;
}
