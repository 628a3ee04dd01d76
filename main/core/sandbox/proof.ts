/**
 * What a plugin host reports about itself before any plugin code runs (design §8 "Verified, not
 * assumed"), and main's verdict on it. Main marks a plugin sandboxed only when this report, made
 * from inside, shows every wall it expects; it never takes the launcher's word for it.
 */

/** The kinds of namespace a plugin host must not share with main. */
export const NAMESPACES = ['user', 'mnt', 'pid', 'net', 'ipc', 'uts'] as const;
export type NamespaceKind = (typeof NAMESPACES)[number];

/** `/proc/self/ns/<kind>` link texts, e.g. `net:[4026532301]`. */
export type NamespaceIds = Partial<Record<NamespaceKind, string>>;

export interface SandboxProof {
  namespaces: NamespaceIds;
  /** Names of the network interfaces the plugin host sees. */
  interfaces: string[];
  /** Whether it could see a file main planted outside its view. */
  canarySeen: boolean;
  /** Its user id and effective capabilities (hex, as /proc shows them). */
  uid: number;
  capEff: string;
  noNewPrivs: boolean;
  /** The seccomp mode /proc shows: 2 is a filter. */
  seccompMode: number;
  /** What the bridge's lockdown enforced (native/host-bridge/src/lockdown.rs). */
  lockdown: { seccomp: boolean; landlock: string; landlockAllThreads: boolean; viewListener: boolean; problems: string[] };
}

export type ProofVerdict = { sandboxed: true; summary: string } | { sandboxed: false; failures: string[] };

/**
 * Judges a plugin host's report against main's own namespaces. Pure: the same input, the same
 * verdict. With `view`, its supervisor waits for its path calls (the grant view): a plugin host
 * that did not route them would see no grant and ask nobody.
 */
export function judgeProof(proof: SandboxProof, main: NamespaceIds, expect: { view: boolean } = { view: false }): ProofVerdict {
  const failures: string[] = [];
  for (const kind of NAMESPACES) {
    const theirs = proof.namespaces[kind];
    if (!theirs) failures.push(`it cannot tell its ${kind} namespace`);
    else if (theirs === main[kind]) failures.push(`it shares main's ${kind} namespace`);
  }
  const foreign = proof.interfaces.filter((name) => name !== 'lo');
  if (foreign.length > 0) failures.push(`it sees network interfaces other than loopback (${foreign.join(', ')})`);
  if (proof.canarySeen) failures.push('it can see a file main planted outside its view');
  if (!/^0+$/.test(proof.capEff)) failures.push(`it holds capabilities (CapEff ${proof.capEff})`);
  if (proof.uid === 0) failures.push('it runs as root inside its namespace');
  if (!proof.noNewPrivs) failures.push('no_new_privs is not set');
  const problems = proof.lockdown.problems.length ? ` (${proof.lockdown.problems.join('; ')})` : '';
  if (proof.seccompMode !== 2 || !proof.lockdown.seccomp) failures.push(`no seccomp filter is installed${problems}`);
  if (expect.view && !proof.lockdown.viewListener) failures.push(`its path calls do not reach its supervisor, so no grant would be asked for${problems}`);
  if (failures.length > 0) return { sandboxed: false, failures };
  const landlock = proof.lockdown.landlock === 'not-enforced' ? 'no Landlock on this kernel' : `Landlock ${proof.lockdown.landlock}`;
  const view = proof.lockdown.viewListener ? '; grants mounted by its supervisor, first use asked' : '';
  return { sandboxed: true, summary: `bubblewrap: own user, mount, PID, network, IPC and UTS namespaces; loopback only; no capabilities; seccomp filter; ${landlock}${view}` };
}

/** Where a plugin stands on confinement, as panels and `haloforge list --json` show it. */
export type SandboxStatus =
  /** Its plugin host proved its confinement from inside (see `judgeProof`). */
  | { state: 'sandboxed'; summary: string; proof: SandboxProof; checkedAt: string; mainNamespaces: NamespaceIds }
  /** It runs without that proof because the user allowed unconfined plugins: shown in red. */
  | { state: 'unconfined'; reason: string; proof: SandboxProof | null; checkedAt: string; mainNamespaces: NamespaceIds }
  /** Its plugin host could not prove its confinement, so the plugin stays off. */
  | { state: 'refused'; reason: string; proof: SandboxProof | null; checkedAt: string; mainNamespaces: NamespaceIds }
  /** No plugin host has run yet. */
  | { state: 'not-started' };
