import { describeLasting, type GrantTerms } from '../grants/terms';
import { classifyAddress, isLoopbackName, LOCAL_KINDS, type AddressKind } from './address';
import { parseDomainValue, scopeCovers } from './domain';
import { parseRequestUrl, type RequestTarget } from './request-url';

export interface ManifestPermission {
  type: string;
  value?: unknown;
}

/**
 * A standing answer of the user for a network_http plugin: exactly one scheme, host and port
 * (`https://api.example.com:443`), for as long as the user said. The store hands the engine only
 * grants that still hold.
 */
export interface NetworkGrant extends GrantTerms {
  permission: 'network_http';
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

export interface PolicyInput {
  pluginId: string;
  /** The plugin's approved manifest permissions. */
  permissions: readonly ManifestPermission[];
  grants: readonly NetworkGrant[];
  /** The per-plugin toggle that alone opens loopback and private addresses. */
  localNetwork: boolean;
  /**
   * The addresses of this machine's own interfaces: local even when public (a server on this
   * machine is reachable through them), so they open only with the local network toggle.
   */
  ownAddresses?: ReadonlySet<string>;
  method: string;
  url: string;
  /**
   * Where the host resolves to. Undefined before the lookup: the broker asks first without them so
   * that a request the plugin may not make never causes a DNS query.
   */
  addresses?: readonly string[];
}

export type Decision =
  | { decision: 'allow'; reason: string; rule: string; grantId?: string; target: RequestTarget }
  | { decision: 'ask'; reason: string; rule: string; target: RequestTarget }
  | { decision: 'deny'; reason: string; rule: string; target?: RequestTarget };

// CONNECT is the egress proxy's tunnel (the plugin's own client, TLS end to end); ctx.http() cannot send it.
const METHODS = new Set(['GET', 'POST', 'HEAD', 'CONNECT']);

function judgeAddress(host: string, address: string, kind: AddressKind, localNetwork: boolean): { rule: string; reason: string } | undefined {
  if (kind === 'public') return undefined;
  const local = LOCAL_KINDS.has(kind);
  if (local && localNetwork) return undefined;
  const why = local ? '; local network access is off for this plugin' : ', which no plugin may reach';
  return { rule: `address:${kind}`, reason: `${host} resolves to ${address}, a ${kind} address${why}` };
}

const NO_ADDRESSES: ReadonlySet<string> = new Set();

function kindOf(address: string, own: ReadonlySet<string>): AddressKind {
  const kind = classifyAddress(address);
  return kind === 'public' && own.has(address) ? 'this-machine' : kind;
}

function addressVerdict(target: RequestTarget, addresses: readonly string[] | undefined, localNetwork: boolean, own: ReadonlySet<string>): { rule: string; reason: string } | undefined {
  if (isLoopbackName(target.host)) return judgeAddress(target.host, target.host, 'loopback', localNetwork);
  if (target.isIpLiteral) return judgeAddress(target.host, target.host, kindOf(target.host, own), localNetwork);
  if (addresses === undefined) return undefined;
  if (addresses.length === 0) return { rule: 'dns:no-address', reason: `${target.host} did not resolve to any address` };
  for (const address of addresses) {
    const verdict = judgeAddress(target.host, address, kindOf(address, own), localNetwork);
    if (verdict) return verdict;
  }
  return undefined;
}

/**
 * The same as calling `decide` again with `addresses`, for a decision made before the lookup: the
 * rules after the address check do not depend on the addresses, so only that check is left to do.
 */
export function withAddresses(before: Decision, addresses: readonly string[], localNetwork: boolean, own: ReadonlySet<string> = NO_ADDRESSES): Decision {
  if (before.decision === 'deny') return before;
  const blocked = addressVerdict(before.target, addresses, localNetwork, own);
  return blocked ? { decision: 'deny', ...blocked, target: before.target } : before;
}

/**
 * The whole network permission model (design §4) in one pure function: no I/O, no clock, no
 * Electron. The broker, the command line and the tests all call this.
 */
export function decide(input: PolicyInput): Decision {
  const parsed = parseRequestUrl(input.url);
  if (!parsed.ok) return { decision: 'deny', rule: parsed.rule, reason: parsed.reason };
  const target = parsed.target;
  const method = METHODS.has(input.method) ? input.method : input.method.toUpperCase();
  if (!METHODS.has(method)) return { decision: 'deny', rule: 'method', reason: `method ${input.method} is not available to plugins`, target };

  let anyHttp = false;
  let anyScope = false;
  for (const p of input.permissions) {
    if (p.type === 'network_http') anyHttp = true;
    else if (p.type === 'network_http_domain') anyScope = true;
  }
  if (!anyHttp && !anyScope) {
    return { decision: 'deny', rule: 'permission:none', reason: `plugin ${input.pluginId} declares neither network_http nor network_http_domain`, target };
  }

  const blocked = addressVerdict(target, input.addresses, input.localNetwork, input.ownAddresses ?? NO_ADDRESSES);
  if (blocked) return { decision: 'deny', ...blocked, target };

  const hostPort = `${target.host}:${target.port}`;
  for (const p of input.permissions) {
    if (p.type !== 'network_http_domain') continue;
    const s = parseDomainValue(p.value);
    if (s.ok && scopeCovers(s.scope, target)) {
      return { decision: 'allow', rule: `network_http_domain:${s.scope.value}`, reason: `${hostPort} is covered by network_http_domain "${s.scope.value}"`, target };
    }
  }
  if (anyHttp) {
    const grant = input.grants.find((g) => g.pluginId === input.pluginId && g.permission === 'network_http' && g.scheme === target.scheme && g.host === target.host && g.port === target.port);
    if (grant) return { decision: 'allow', rule: 'grant', grantId: grant.id, reason: `the user allowed ${target.scheme}://${hostPort} ${describeLasting(grant.lasts)} (${grant.via}, ${grant.createdAt})`, target };
    return { decision: 'ask', rule: 'network_http:first-use', reason: `first request of plugin ${input.pluginId} to ${hostPort}: network_http needs the user's confirmation per host`, target };
  }
  const declared = input.permissions
    .filter((p) => p.type === 'network_http_domain')
    .map((p) => {
      const s = parseDomainValue(p.value);
      return s.ok ? s.scope.value : '(invalid)';
    })
    .join(', ');
  return { decision: 'deny', rule: 'network_http_domain:no-match', reason: `${hostPort} is outside the plugin's network_http_domain scope (${declared})`, target };
}
