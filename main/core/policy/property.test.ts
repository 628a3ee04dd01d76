import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateManifest, validationContextFor } from '../manifest/validate';
import { classifyAddress } from './address';
import { parseDomainValue } from './domain';
import { decide } from './engine';
import { redactUrl } from './request-url';

const runs = { numRuns: 500 };
const ipv4 = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;
const octet = fc.integer({ min: 0, max: 255 });

/** Addresses no plugin may reach without the local network toggle, in many spellings. */
const privateV4 = fc.oneof(
  fc.tuple(octet, octet, octet).map(([b, c, d]) => ipv4(10, b, c, d)),
  fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => ipv4(172, b, c, d)),
  fc.tuple(octet, octet).map(([c, d]) => ipv4(192, 168, c, d)),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => ipv4(127, b, c, d)),
  fc.tuple(octet, octet).map(([c, d]) => ipv4(169, 254, c, d)),
  fc.tuple(fc.integer({ min: 64, max: 127 }), octet, octet).map(([b, c, d]) => ipv4(100, b, c, d)),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => ipv4(0, b, c, d)),
);
const spellings = (a: string): string[] => {
  const n = a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const [x, y, z, w] = a.split('.').map(Number) as [number, number, number, number];
  return [a, String(n), `0x${n.toString(16)}`, `0${x.toString(8)}.${y}.${z}.${w}`, `${x}.${(y << 16) + (z << 8) + w}`, `[::ffff:${a}]`];
};

describe('properties of the policy and the validator', () => {
  it('the manifest validator never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (data) => {
        validateManifest(data, validationContextFor('linux'));
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('id', 'name', 'version', 'compatibility', 'capability_levels', 'permissions', 'entry', 'window', 'integration', 'commands'), fc.jsonValue()), (data) => {
        validateManifest(data, validationContextFor('linux'));
      }),
      runs,
    );
  });

  it('no spelling of a private address is ever allowed without the local network toggle', () => {
    fc.assert(
      fc.property(privateV4, fc.nat(5), fc.constantFrom('http', 'https'), fc.nat(65535), (address, which, scheme, port) => {
        const host = spellings(address)[which] as string;
        const common = { pluginId: 'dev.t.p', grants: [], localNetwork: false, method: 'GET' };
        const asLiteral = decide({ ...common, permissions: [{ type: 'network_http' }], url: `${scheme}://${host}:${port || 1}/x` });
        const viaDns = decide({ ...common, permissions: [{ type: 'network_http_domain', value: 'api.example.com' }], url: `${scheme}://api.example.com/`, addresses: [address] });
        expect(asLiteral.decision).toBe('deny');
        expect(viaDns.decision).toBe('deny');
      }),
      runs,
    );
  });

  it('every allowed request resolves only to public addresses', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), fc.array(fc.tuple(octet, octet, octet, octet).map((t) => ipv4(...t)), { minLength: 1, maxLength: 3 }), (url, addresses) => {
        const d = decide({ pluginId: 'dev.t.p', permissions: [{ type: 'network_http_domain', value: '*.com' }, { type: 'network_http' }], grants: [], localNetwork: false, method: 'GET', url, addresses });
        if (d.decision === 'deny') return;
        const checked = d.target.isIpLiteral ? [d.target.host] : addresses;
        expect(checked.every((a) => classifyAddress(a) === 'public')).toBe(true);
      }),
      runs,
    );
  });

  it('the decision never throws, whatever the URL', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl()), (url) => {
        decide({ pluginId: 'p', permissions: [{ type: 'network_http' }], grants: [], localNetwork: true, method: 'GET', url, addresses: ['93.184.215.14'] });
      }),
      runs,
    );
  });

  it('normalising a domain value or redacting a URL twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (domain, port) => {
        const once = parseDomainValue(port ? `${domain}:${port}` : domain);
        if (!once.ok) return;
        const again = parseDomainValue(once.scope.port ? `${once.scope.host}:${once.scope.port}` : once.scope.host);
        expect(again).toMatchObject({ ok: true, scope: { host: once.scope.host, port: once.scope.port } });
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        expect(redactUrl(redactUrl(url))).toBe(redactUrl(url));
      }),
      runs,
    );
  });
});
