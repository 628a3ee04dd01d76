import { describe, expect, it } from 'vitest';
import { parseDomainValue } from './domain';

describe('network_http_domain values', () => {
  it.each([
    ['api.example.com', { wildcard: false, host: 'api.example.com', port: undefined }],
    ['*.example.com', { wildcard: true, host: 'example.com', port: undefined }],
    ['api.example.com:8443', { wildcard: false, host: 'api.example.com', port: 8443 }],
    ['Bücher.Example', { wildcard: false, host: 'xn--bcher-kva.example', port: undefined }],
    ['api.example.com.', { wildcard: false, host: 'api.example.com', port: undefined }],
  ])('accepts %s', (value, scope) => {
    expect(parseDomainValue(value)).toMatchObject({ ok: true, scope });
  });

  it.each([
    ['', 'non-empty'],
    ['   ', 'non-empty'],
    [42, 'non-empty'],
    ['https://api.example.com', 'is a URL'],
    ['api.example.com/v1', 'not a bare host name'],
    ['api.example.com?x=1', 'not a bare host name'],
    ['user@api.example.com', 'not a bare host name'],
    ['127.0.0.1', 'is an IP address'],
    ['10.0.0.1:8080', 'is an IP address'],
    ['2130706433', 'is an IP address'],
    ['0x7f.1', 'is an IP address'],
    ['[::1]', 'is an IP address'],
    ['::1', 'is an IP address'],
    ['localhost', 'names this machine'],
    ['a.*.example.com', 'only allowed as a leading'],
    ['*', 'only allowed as a leading'],
    ['*.com', 'at least two labels'],
    ['api.example.com:0', 'port must be'],
    ['api.example.com:99999', 'port must be'],
    ['api.example.com:http', 'not a host name with an optional :port'],
  ])('refuses %j', (value, message) => {
    const r = parseDomainValue(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
