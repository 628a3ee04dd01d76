import { existsSync, readFileSync } from 'node:fs';
import { readNamespaces } from '../core/sandbox/namespaces';
import type { SandboxProof } from '../core/sandbox/proof';

/** What the plugin host sees of its own process: namespaces, interfaces and whether the canary shows (read before lockdown). */
export function lookAround(canary: string): Pick<SandboxProof, 'namespaces' | 'interfaces' | 'canarySeen'> {
  return { namespaces: readNamespaces(), interfaces: interfaceNames(), canarySeen: existsSync(canary) };
}

/**
 * Every network interface of this process's network namespace, up or down, with an address or
 * not, as the kernel lists them in `net/dev`. (Node's `os.networkInterfaces()` names only those
 * with an address, and loading `node:os` and asking netlink cost each plugin host 0.4 ms of its
 * start.) A list that cannot be read is named so, which no proof accepts as loopback only.
 */
export function interfaceNames(netDev = '/proc/self/net/dev'): string[] {
  let text: string;
  try {
    text = readFileSync(netDev, 'utf8');
  } catch (e) {
    return [`(${netDev} cannot be read: ${(e as Error).message})`];
  }
  // Two header lines, then one "name: counters" line per interface.
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '');
}

/** The process's rights as the kernel reports them (read after lockdown). */
export function ownRights(): Pick<SandboxProof, 'uid' | 'capEff' | 'noNewPrivs' | 'seccompMode'> {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // no /proc: every field below reads as "not confined"
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  return {
    uid: process.getuid?.() ?? -1,
    capEff: field('CapEff') ?? 'unknown',
    noNewPrivs: field('NoNewPrivs') === '1',
    seccompMode: Number(field('Seccomp') ?? 0),
  };
}
