import { spawnSync } from 'node:child_process';

/**
 * How each plugin host's supervisor gets the user and mount namespace it mounts grants in: made by
 * itself at its start (one process and about 3 ms fewer per plugin host), or, where the kernel
 * gives an unprivileged user namespace no capabilities (Ubuntu 23.10 and later restrict them to
 * programs AppArmor has a profile for, as bubblewrap may), inside an outer bubblewrap.
 */
export type SupervisorNamespaces = { own: true } | { own: false; reason: string };

const probed = new Map<string, SupervisorNamespaces>();

/** Asks the supervisor at `supervisor` to make its namespaces once, in a throwaway process; once per process and path. */
export function supervisorNamespaces(supervisor: string): SupervisorNamespaces {
  const known = probed.get(supervisor);
  if (known) return known;
  const trial = spawnSync(supervisor, ['--probe-namespaces'], { encoding: 'utf8', timeout: 10_000, env: {} });
  const found: SupervisorNamespaces =
    trial.status === 0 ? { own: true } : { own: false, reason: trial.error ? trial.error.message : (trial.stderr || `exit code ${trial.status}`).trim() };
  probed.set(supervisor, found);
  return found;
}
