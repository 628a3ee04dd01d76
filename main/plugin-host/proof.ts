import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { readNamespaces } from '../core/sandbox/namespaces';
import type { SandboxProof } from '../core/sandbox/proof';

/** What the plugin host sees of its own process: namespaces and interfaces (read before lockdown, which closes netlink). */
export function lookAround(canary: string): Pick<SandboxProof, 'namespaces' | 'interfaces' | 'canarySeen'> {
  return { namespaces: readNamespaces(), interfaces: Object.keys(networkInterfaces()), canarySeen: existsSync(canary) };
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
