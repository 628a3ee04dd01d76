import { isIpAddress } from './address';
import { memoize } from './memo';

export interface RequestTarget {
  url: URL;
  scheme: 'http' | 'https';
  /** Lower-case ASCII (punycode) host without a trailing dot; IPv6 without brackets. */
  host: string;
  /** The effective port: the URL's, or the scheme's default. */
  port: number;
  isDefaultPort: boolean;
  isIpLiteral: boolean;
}

export type TargetResult = { ok: true; target: RequestTarget } | { ok: false; rule: string; reason: string };

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * Parses a URL a plugin asks for with the WHATWG parser (the same one browsers use, so IPv4 in
 * decimal, octal, hex or short form, percent-encoding and IDN all come out canonical) and refuses
 * what the broker never sends: other schemes and URLs carrying credentials.
 */
export function parseRequestUrl(raw: string): TargetResult {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, rule: 'url:invalid', reason: `not a valid absolute URL: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  const protocol = url.protocol;
  const scheme = protocol === 'https:' ? 'https' : protocol === 'http:' ? 'http' : undefined;
  if (scheme === undefined) {
    return { ok: false, rule: 'url:scheme', reason: `scheme ${protocol} is not allowed; only http and https are` };
  }
  // The parser only finds a user name or password before an '@', so without one there is none.
  if (raw.includes('@') && (url.username !== '' || url.password !== '')) {
    return { ok: false, rule: 'url:userinfo', reason: 'URLs with a user name or password are refused; send credentials in a header instead' };
  }
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return { ok: false, rule: 'url:invalid', reason: 'the URL has no host' };
  const portText = url.port;
  const port = portText === '' ? DEFAULT_PORT[scheme] : Number(portText);
  // The parser prints IPv4 hosts as dotted decimals and IPv6 hosts with colons, so a host that ends
  // in a letter and has no colon is a name: no need to ask isIP.
  const last = host.charCodeAt(host.length - 1);
  const maybeIp = (last >= 48 && last <= 57) || host.includes(':');
  return {
    ok: true,
    target: { url, scheme, host, port, isDefaultPort: port === DEFAULT_PORT[scheme], isIpLiteral: maybeIp && isIpAddress(host) },
  };
}

const SECRET_PARAM = /^(.*[_-])?(key|token|secret|password|passwd|pwd|auth|authorization|signature|sig|code|session|credential|credentials|apikey|access[_-]?token|client[_-]?secret)$/i;

/**
 * The URL as the audit log and prompts may show it: no user info, and the values of query
 * parameters that look like secrets replaced. Every hop of every request is redacted, and plugins
 * ask for the same URLs again and again, so results are remembered.
 */
export const redactUrl = memoize(redact);

function redact(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid URL]';
  }
  url.username = '';
  url.password = '';
  const params = [...url.searchParams.entries()];
  if (params.some(([k]) => SECRET_PARAM.test(k))) {
    url.search = '';
    for (const [k, v] of params) url.searchParams.append(k, SECRET_PARAM.test(k) ? 'REDACTED' : v);
  }
  return url.toString();
}
