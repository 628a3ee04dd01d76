import { describe, expect, it } from 'vitest';
import { decide, withAddresses, type ManifestPermission, type NetworkGrant, type PolicyInput } from './engine';

const PUBLIC = ['93.184.215.14'];
const domain = (value: string): ManifestPermission => ({ type: 'network_http_domain', value });
const HTTP: ManifestPermission = { type: 'network_http' };
const grant: NetworkGrant = { id: 'g1', pluginId: 'dev.t.p', permission: 'network_http', scheme: 'https', host: 'known.example.org', port: 443, createdAt: '2026-11-25T00:00:00Z', via: 'prompt: allow always', lasts: 'always', expiresAt: null, lastUsedAt: null };

interface Case {
  url: string;
  perms: ManifestPermission[];
  /** Stubbed DNS answer for the host; defaults to a public address. */
  dns?: string[];
  local?: boolean;
  method?: string;
  expect: 'allow' | 'deny' | 'ask';
  rule: string;
}

const API = [domain('api.example.com')];
const WILD = [domain('*.example.com')];
const PORTED = [domain('api.example.com:8443')];
const BOTH = [domain('api.example.com'), HTTP];

// prettier-ignore
const cases: Record<string, Case> = {
  // exact host, case, trailing dot
  'exact host': { url: 'https://api.example.com/v1', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'exact host over http': { url: 'http://api.example.com/v1', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'upper-case host': { url: 'https://API.Example.COM/v1', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'trailing dot in URL': { url: 'https://api.example.com./v1', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'trailing dot in value': { url: 'https://api.example.com/', perms: [domain('api.example.com.')], expect: 'allow', rule: 'network_http_domain:api.example.com.' },
  'upper-case value': { url: 'https://api.example.com/', perms: [domain('API.EXAMPLE.COM')], expect: 'allow', rule: 'network_http_domain:API.EXAMPLE.COM' },
  'other host': { url: 'https://evil.example.net/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'suffix trick': { url: 'https://api.example.com.evil.net/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'prefix trick': { url: 'https://evilapi.example.com/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'subdomain of exact value': { url: 'https://x.api.example.com/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'parent of exact value': { url: 'https://example.com/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  // wildcards
  'wildcard covers a subdomain': { url: 'https://a.example.com/', perms: WILD, expect: 'allow', rule: 'network_http_domain:*.example.com' },
  'wildcard covers deeper subdomains': { url: 'https://a.b.example.com/', perms: WILD, expect: 'allow', rule: 'network_http_domain:*.example.com' },
  'wildcard does not cover the apex': { url: 'https://example.com/', perms: WILD, expect: 'deny', rule: 'network_http_domain:no-match' },
  'wildcard does not cover look-alikes': { url: 'https://badexample.com/', perms: WILD, expect: 'deny', rule: 'network_http_domain:no-match' },
  'wildcard does not cover suffix tricks': { url: 'https://a.example.com.evil.net/', perms: WILD, expect: 'deny', rule: 'network_http_domain:no-match' },
  // ports
  'explicit default https port': { url: 'https://api.example.com:443/', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'explicit default http port': { url: 'http://api.example.com:80/', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'non-default port without one in the value': { url: 'https://api.example.com:8443/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'https on port 80': { url: 'https://api.example.com:80/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'http on port 443': { url: 'http://api.example.com:443/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'port named in the value': { url: 'https://api.example.com:8443/', perms: PORTED, expect: 'allow', rule: 'network_http_domain:api.example.com:8443' },
  'default port when the value names another': { url: 'https://api.example.com/', perms: PORTED, expect: 'deny', rule: 'network_http_domain:no-match' },
  'other port when the value names one': { url: 'https://api.example.com:9443/', perms: PORTED, expect: 'deny', rule: 'network_http_domain:no-match' },
  'wildcard with port': { url: 'https://a.example.com:8443/', perms: [domain('*.example.com:8443')], expect: 'allow', rule: 'network_http_domain:*.example.com:8443' },
  // schemes
  'file:': { url: 'file:///etc/passwd', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'data:': { url: 'data:text/plain,hello', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'ftp:': { url: 'ftp://api.example.com/x', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'javascript:': { url: 'javascript:alert(1)', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'ws:': { url: 'ws://api.example.com/', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'gopher:': { url: 'gopher://api.example.com/', perms: BOTH, expect: 'deny', rule: 'url:scheme' },
  'relative URL': { url: '/v1/things', perms: BOTH, expect: 'deny', rule: 'url:invalid' },
  'garbage': { url: 'http://', perms: BOTH, expect: 'deny', rule: 'url:invalid' },
  // userinfo and backslash tricks
  'userinfo': { url: 'https://user:pass@api.example.com/', perms: API, expect: 'deny', rule: 'url:userinfo' },
  'user name only': { url: 'https://user@api.example.com/', perms: API, expect: 'deny', rule: 'url:userinfo' },
  'userinfo that looks like the allowed host': { url: 'https://api.example.com@evil.example.net/', perms: API, expect: 'deny', rule: 'url:userinfo' },
  'backslash before @': { url: 'https://evil.example.net\\@api.example.com/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'backslash as path separator': { url: 'https:\\\\api.example.com\\v1', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'encoded @ stays in the path': { url: 'https://evil.example.net/%40api.example.com', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  // percent-encoded and IDN hosts
  'percent-encoded allowed host': { url: 'https://%61pi.example.com/', perms: API, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'percent-encoded localhost': { url: 'http://%6c%6f%63%61%6c%68%6f%73%74/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IDN host against an IDN value': { url: 'https://bücher.example/', perms: [domain('bücher.example')], expect: 'allow', rule: 'network_http_domain:bücher.example' },
  'IDN host against a punycode value': { url: 'https://bücher.example/', perms: [domain('xn--bcher-kva.example')], expect: 'allow', rule: 'network_http_domain:xn--bcher-kva.example' },
  'punycode host against an IDN value': { url: 'https://xn--bcher-kva.example/', perms: [domain('bücher.example')], expect: 'allow', rule: 'network_http_domain:bücher.example' },
  'homograph host': { url: 'https://аpi.example.com/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  // IPv4 in every spelling
  'IPv4 loopback': { url: 'http://127.0.0.1/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv4 loopback elsewhere in 127/8': { url: 'http://127.1.2.3/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'decimal IPv4': { url: 'http://2130706433/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'octal IPv4': { url: 'http://0177.0.0.1/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'hex IPv4': { url: 'http://0x7f000001/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'dotted hex IPv4': { url: 'http://0x7f.0x0.0x0.0x1/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'short IPv4': { url: 'http://127.1/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'short private IPv4': { url: 'http://10.1/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'decimal metadata address': { url: 'http://2852039166/', perms: [HTTP], expect: 'deny', rule: 'address:cloud-metadata' },
  'IP literal never matches a domain value': { url: 'https://93.184.215.14/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'public IP literal under network_http asks': { url: 'https://93.184.215.14/', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  // IPv6
  'IPv6 loopback': { url: 'http://[::1]/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv6 loopback long form': { url: 'http://[0:0:0:0:0:0:0:1]/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv4-mapped IPv6 loopback': { url: 'http://[::ffff:127.0.0.1]/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv4-mapped IPv6 in hex': { url: 'http://[::ffff:7f00:1]/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv4-mapped private': { url: 'http://[::ffff:192.168.1.1]/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'IPv4-compatible loopback': { url: 'http://[::127.0.0.1]/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  'IPv4-compatible private in hex': { url: 'http://[::a00:1]/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'IPv4-compatible metadata': { url: 'http://[::169.254.169.254]/', perms: [HTTP], local: true, expect: 'deny', rule: 'address:cloud-metadata' },
  'AAAA answer that is IPv4-compatible loopback': { url: 'https://api.example.com/', perms: API, dns: ['::7f00:1'], expect: 'deny', rule: 'address:loopback' },
  'IPv6 unspecified': { url: 'http://[::]/', perms: [HTTP], expect: 'deny', rule: 'address:unspecified' },
  'IPv6 link-local': { url: 'http://[fe80::1]/', perms: [HTTP], expect: 'deny', rule: 'address:link-local' },
  'IPv6 unique-local': { url: 'http://[fd12:3456::1]/', perms: [HTTP], expect: 'deny', rule: 'address:unique-local' },
  'IPv6 multicast': { url: 'http://[ff02::1]/', perms: [HTTP], expect: 'deny', rule: 'address:multicast' },
  'NAT64 prefix embedding loopback': { url: 'http://[64:ff9b::7f00:1]/', perms: [HTTP], expect: 'deny', rule: 'address:reserved' },
  'AWS IPv6 metadata': { url: 'http://[fd00:ec2::254]/', perms: [HTTP], expect: 'deny', rule: 'address:cloud-metadata' },
  // special IPv4 ranges
  '0.0.0.0': { url: 'http://0.0.0.0/', perms: [HTTP], expect: 'deny', rule: 'address:unspecified' },
  '0 (short for 0.0.0.0)': { url: 'http://0/', perms: [HTTP], expect: 'deny', rule: 'address:unspecified' },
  'cloud metadata': { url: 'http://169.254.169.254/latest/meta-data/', perms: [HTTP], expect: 'deny', rule: 'address:cloud-metadata' },
  'cloud metadata even with local network on': { url: 'http://169.254.169.254/', perms: [HTTP], local: true, expect: 'deny', rule: 'address:cloud-metadata' },
  'other link-local': { url: 'http://169.254.1.1/', perms: [HTTP], expect: 'deny', rule: 'address:link-local' },
  'RFC 1918 10/8': { url: 'http://10.0.0.1/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'RFC 1918 172.16/12': { url: 'http://172.16.5.4/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'RFC 1918 172.31 edge': { url: 'http://172.31.255.255/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'just outside 172.16/12': { url: 'http://172.32.0.1/', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  'RFC 1918 192.168/16': { url: 'http://192.168.0.10/', perms: [HTTP], expect: 'deny', rule: 'address:private' },
  'CGNAT': { url: 'http://100.64.0.1/', perms: [HTTP], expect: 'deny', rule: 'address:cgnat' },
  'multicast': { url: 'http://224.0.0.1/', perms: [HTTP], expect: 'deny', rule: 'address:multicast' },
  'broadcast': { url: 'http://255.255.255.255/', perms: [HTTP], expect: 'deny', rule: 'address:broadcast' },
  'documentation range': { url: 'http://192.0.2.1/', perms: [HTTP], expect: 'deny', rule: 'address:reserved' },
  // names that resolve to private addresses (DNS stubbed)
  'allowed domain resolving to loopback': { url: 'https://api.example.com/', perms: API, dns: ['127.0.0.1'], expect: 'deny', rule: 'address:loopback' },
  'allowed domain resolving to RFC 1918': { url: 'https://api.example.com/', perms: API, dns: ['10.0.0.7'], expect: 'deny', rule: 'address:private' },
  'one private answer among public ones': { url: 'https://api.example.com/', perms: API, dns: ['93.184.215.14', '192.168.1.1'], expect: 'deny', rule: 'address:private' },
  'AAAA answer that is IPv4-mapped private': { url: 'https://api.example.com/', perms: API, dns: ['::ffff:10.0.0.1'], expect: 'deny', rule: 'address:private' },
  'name resolving to metadata': { url: 'http://metadata.example.com/', perms: [HTTP], dns: ['169.254.169.254'], expect: 'deny', rule: 'address:cloud-metadata' },
  'name resolving to nothing': { url: 'https://api.example.com/', perms: API, dns: [], expect: 'deny', rule: 'dns:no-address' },
  'localhost by name, no DNS needed': { url: 'http://localhost:8080/', perms: [HTTP], dns: ['93.184.215.14'], expect: 'deny', rule: 'address:loopback' },
  'a .localhost subdomain': { url: 'http://api.localhost/', perms: [HTTP], expect: 'deny', rule: 'address:loopback' },
  // the local network toggle
  'loopback with local network on': { url: 'http://127.0.0.1:8080/', perms: [HTTP], local: true, expect: 'ask', rule: 'network_http:first-use' },
  'allowed domain on loopback with local network on': { url: 'https://api.example.com/', perms: API, dns: ['127.0.0.1'], local: true, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'private with local network on': { url: 'http://10.0.0.1/', perms: [HTTP], local: true, expect: 'ask', rule: 'network_http:first-use' },
  'unspecified stays closed with local network on': { url: 'http://0.0.0.0/', perms: [HTTP], local: true, expect: 'deny', rule: 'address:unspecified' },
  'multicast stays closed with local network on': { url: 'http://224.0.0.251/', perms: [HTTP], local: true, expect: 'deny', rule: 'address:multicast' },
  // network_http, grants, and no permission
  'network_http first use asks': { url: 'https://new.example.org/', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  'granted host is allowed': { url: 'https://known.example.org/x', perms: [HTTP], expect: 'allow', rule: 'grant' },
  'grant is per port': { url: 'https://known.example.org:8443/x', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  'grant is per scheme': { url: 'http://known.example.org:443/x', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  'grant is per host, not subdomains': { url: 'https://a.known.example.org/', perms: [HTTP], expect: 'ask', rule: 'network_http:first-use' },
  'grant does not beat a private address': { url: 'https://known.example.org/', perms: [HTTP], dns: ['10.0.0.1'], expect: 'deny', rule: 'address:private' },
  'grant without network_http is ignored': { url: 'https://known.example.org/', perms: API, expect: 'deny', rule: 'network_http_domain:no-match' },
  'domain value wins without a prompt under both': { url: 'https://api.example.com/', perms: BOTH, expect: 'allow', rule: 'network_http_domain:api.example.com' },
  'other host under both asks': { url: 'https://other.example.org/', perms: BOTH, expect: 'ask', rule: 'network_http:first-use' },
  'no network permission': { url: 'https://api.example.com/', perms: [{ type: 'filesystem_read' }], expect: 'deny', rule: 'permission:none' },
  'no permissions at all': { url: 'https://api.example.com/', perms: [], expect: 'deny', rule: 'permission:none' },
  'invalid domain value never matches': { url: 'https://127.0.0.1/', perms: [domain('127.0.0.1')], local: true, expect: 'deny', rule: 'network_http_domain:no-match' },
  'method other than GET/POST/HEAD': { url: 'https://api.example.com/', perms: API, method: 'DELETE', expect: 'deny', rule: 'method' },
  'POST is allowed': { url: 'https://api.example.com/', perms: API, method: 'POST', expect: 'allow', rule: 'network_http_domain:api.example.com' },
};

describe('the network policy', () => {
  it('has a case for at least 80 situations', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(80);
  });

  it.each(Object.entries(cases))('%s', (_name, c) => {
    const input: PolicyInput = {
      pluginId: 'dev.t.p',
      permissions: c.perms,
      grants: [grant],
      localNetwork: c.local ?? false,
      method: c.method ?? 'GET',
      url: c.url,
      addresses: c.dns ?? PUBLIC,
    };
    const d = decide(input);
    expect({ decision: d.decision, rule: d.rule }).toEqual({ decision: c.expect, rule: c.rule });
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('decides without addresses before the lookup, so a denied host is never resolved', () => {
    const d = decide({ pluginId: 'dev.t.p', permissions: API, grants: [], localNetwork: false, method: 'GET', url: 'https://evil.example.net/' });
    expect(d).toMatchObject({ decision: 'deny', rule: 'network_http_domain:no-match' });
    expect(decide({ pluginId: 'dev.t.p', permissions: API, grants: [], localNetwork: false, method: 'GET', url: 'https://api.example.com/' }).decision).toBe('allow');
  });

  it('decides the same in two steps (before and after the lookup) as in one', () => {
    for (const c of Object.values(cases)) {
      const input: PolicyInput = { pluginId: 'dev.t.p', permissions: c.perms, grants: [grant], localNetwork: c.local ?? false, method: c.method ?? 'GET', url: c.url };
      const addresses = c.dns ?? PUBLIC;
      const once = decide({ ...input, addresses });
      const twice = withAddresses(decide(input), addresses, input.localNetwork);
      expect({ decision: twice.decision, rule: twice.rule, reason: twice.reason }).toEqual({ decision: once.decision, rule: once.rule, reason: once.reason });
    }
  });

  it("counts this machine's own addresses as local even when they are public", () => {
    const input: PolicyInput = { pluginId: 'dev.t.p', permissions: API, grants: [], localNetwork: false, method: 'GET', url: 'https://api.example.com/', addresses: PUBLIC, ownAddresses: new Set(PUBLIC) };
    expect(decide(input)).toMatchObject({ decision: 'deny', rule: 'address:this-machine', reason: expect.stringContaining('local network access is off for this plugin') as string });
    expect(decide({ ...input, localNetwork: true }).decision).toBe('allow');
    expect(decide({ ...input, url: 'https://93.184.215.14/', permissions: [HTTP] })).toMatchObject({ decision: 'deny', rule: 'address:this-machine' });
    expect(withAddresses(decide({ ...input, addresses: undefined }), PUBLIC, false, new Set(PUBLIC))).toMatchObject({ decision: 'deny', rule: 'address:this-machine' });
  });

  it("ignores another plugin's grants", () => {
    const d = decide({ pluginId: 'dev.other', permissions: [HTTP], grants: [grant], localNetwork: false, method: 'GET', url: 'https://known.example.org/', addresses: PUBLIC });
    expect(d.decision).toBe('ask');
  });
});
