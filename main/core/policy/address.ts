import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';
import { memoize } from './memo';

/**
 * What kind of address a request would reach. Only `public` is open to every network grant;
 * the `LOCAL` kinds open with the per-plugin local-network toggle; everything else never opens.
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'cloud-metadata'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

export const LOCAL_KINDS: ReadonlySet<AddressKind> = new Set(['loopback', 'private', 'link-local', 'cgnat', 'unique-local']);

// Cloud instance metadata endpoints: link-local, but never reachable, local toggle or not.
const METADATA = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254']);

const RANGE_KIND: Record<string, AddressKind> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'cgnat',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
};

export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/**
 * Classifies an address in canonical form (what DNS or the WHATWG URL parser gives). IPv4-mapped
 * IPv6 is judged as the IPv4 address it carries; any range ipaddr.js knows other than plain
 * unicast (NAT64, 6to4, Teredo, documentation, benchmarking…) counts as reserved.
 */
export const classifyAddress: (address: string) => AddressKind = memoize((address) => {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!isIpAddress(bare)) return 'invalid';
  const parsed = ipaddr.process(bare);
  if (METADATA.has(parsed.toString())) return 'cloud-metadata';
  return RANGE_KIND[parsed.range()] ?? 'reserved';
});

/** Names that mean this machine whatever DNS says (RFC 6761), judged before any lookup. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}
