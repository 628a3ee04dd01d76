import { isIpAddress } from './address';
import { memoize } from './memo';
import type { RequestTarget } from './request-url';

/** A parsed `network_http_domain` value (design §4): `host`, `*.host`, optionally `:port`. */
export interface DomainScope {
  value: string;
  wildcard: boolean;
  host: string;
  port: number | undefined;
}

export type DomainResult = { ok: true; scope: DomainScope } | { ok: false; error: string };

/**
 * Validates a manifest's `network_http_domain` value. IP literals, URLs, paths and empty values are
 * manifest errors; hosts are compared in punycode, lower case, without a trailing dot.
 */
export function parseDomainValue(value: unknown): DomainResult {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, error: 'must be a non-empty host name' };
  return parseDomainText(value);
}

const parseDomainText = memoize((value: string): DomainResult => {
  const text = value.trim();
  if (text.includes('://')) return { ok: false, error: `"${text}" is a URL; give only the host name, e.g. api.example.com` };
  if (/[/?#@\\\s]/.test(text)) return { ok: false, error: `"${text}" is not a bare host name (no paths, queries, user info or spaces)` };
  if (text.startsWith('[') || isIpAddress(text) || isIpAddress(text.replace(/:\d+$/, ''))) {
    return { ok: false, error: `"${text}" is an IP address; network_http_domain takes a host name` };
  }
  const wildcard = text.startsWith('*.');
  const rest = wildcard ? text.slice(2) : text;
  if (rest.includes('*')) return { ok: false, error: `"${text}": a wildcard is only allowed as a leading "*."` };
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!m?.[1]) return { ok: false, error: `"${text}" is not a host name with an optional :port` };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return { ok: false, error: `"${text}": port must be 1-65535` };
  let host: string;
  try {
    host = new URL(`http://${m[1]}/`).hostname;
  } catch {
    return { ok: false, error: `"${text}" is not a valid host name` };
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  // The URL parser turns 2130706433 or 0x7f.1 into 127.0.0.1: those are IP literals too.
  if (isIpAddress(host) || host.startsWith('[')) return { ok: false, error: `"${text}" is an IP address; network_http_domain takes a host name` };
  if (host === 'localhost' || host.endsWith('.localhost')) return { ok: false, error: `"${text}" names this machine; local network access is a separate user setting` };
  if (wildcard && !host.includes('.')) return { ok: false, error: `"${text}": a wildcard must cover a domain with at least two labels` };
  return { ok: true, scope: { value: text, wildcard, host, port } };
});

/** Does the scope cover this target? Without a port in the value, only the scheme's default port. */
export function scopeCovers(scope: DomainScope, target: RequestTarget): boolean {
  if (target.isIpLiteral) return false;
  if (scope.port === undefined ? !target.isDefaultPort : target.port !== scope.port) return false;
  return scope.wildcard ? target.host.endsWith(`.${scope.host}`) : target.host === scope.host;
}
