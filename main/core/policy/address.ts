import ipaddr from 'ipaddr.js';
import { memoize } from './memo';

/**
 * What kind of address a request would reach. Only `public` is open to every network grant;
 * the `LOCAL` kinds open with the per-plugin local-network toggle; everything else never opens.
 */
export type AddressKind =
  | 'public'
  | 'this-machine'
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

export const LOCAL_KINDS: ReadonlySet<AddressKind> = new Set(['this-machine', 'loopback', 'private', 'link-local', 'cgnat', 'unique-local']);

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

/** Whether `text` is an IP address as written in a URL's host: dotted-decimal IPv4 (no octal or hex forms) or IPv6. */
export function isIpAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

/**
 * The IPv4 address inside an IPv4-compatible IPv6 address (`::a.b.c.d`, deprecated but still
 * routed to IPv4 by some stacks), or the address itself. `::` and `::1` are not of that form.
 */
function unwrapIpv4Compatible(parsed: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (parsed.kind() !== 'ipv6') return parsed;
  const parts = (parsed as ipaddr.IPv6).parts;
  const [high = 0, low = 0] = parts.slice(6);
  if (!parts.slice(0, 6).every((p) => p === 0) || (high === 0 && low <= 1)) return parsed;
  return ipaddr.fromByteArray([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * Classifies an address in canonical form (what DNS or the WHATWG URL parser gives). IPv4-mapped
 * and IPv4-compatible IPv6 are judged as the IPv4 address they carry; any range ipaddr.js knows
 * other than plain unicast (NAT64, 6to4, Teredo, documentation, benchmarking…) counts as reserved.
 * Whether a public address is one of this machine's own is for the caller to add (see the engine).
 */
export const classifyAddress: (address: string) => AddressKind = memoize((address) => {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!isIpAddress(bare)) return 'invalid';
  const parsed = unwrapIpv4Compatible(ipaddr.process(bare));
  if (METADATA.has(parsed.toString())) return 'cloud-metadata';
  return RANGE_KIND[parsed.range()] ?? 'reserved';
});

/** Names that mean this machine whatever DNS says (RFC 6761), judged before any lookup. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Where a host is, as far as its name or address tells before any lookup: this computer (loopback
 * names and addresses, and this machine's own), the local network (private ranges, `.local`
 * names), or unknown (undefined) until DNS answers.
 */
export function localityOf(host: string, own: ReadonlySet<string>): 'this computer' | 'the local network' | undefined {
  if (isLoopbackName(host)) return 'this computer';
  if (!isIpAddress(host.replace(/^\[|\]$/g, ''))) return host.endsWith('.local') ? 'the local network' : undefined;
  const kind = classifyAddress(host);
  if (kind === 'loopback' || own.has(host.replace(/^\[|\]$/g, ''))) return 'this computer';
  return LOCAL_KINDS.has(kind) ? 'the local network' : undefined;
}
