import { describe, expect, it } from 'vitest';
import { nativeLibraryPath, nativeTargetKey, parseManifest, resolveInside } from './read';

const good = { id: 'dev.example.my-plugin', name: 'My Plugin', version: '0.1.0', description: 'd', entry: { native: { linux_x64: 'native/libp.so' } } };

describe('reading a manifest', () => {
  it('accepts the fields the host needs and ignores unknown keys', () => {
    const r = parseManifest(JSON.stringify({ ...good, $schema: 'https://haloforge.dev/schemas/plugin/v1.json' }));
    expect(r.ok).toBe(true);
  });

  it('reports every problem with its JSON path', () => {
    const r = parseManifest(JSON.stringify({ name: 5, entry: { native: { linux_x64: 7 } } }));
    expect(r).toEqual({
      ok: false,
      errors: ['$.id: required, a non-empty string', '$.name: required, a non-empty string', '$.version: required, a non-empty string', '$.description: required, a non-empty string', '$.entry.native.linux_x64: must be a string'],
    });
  });

  it('refuses network_http_domain values that are not host names', () => {
    const r = parseManifest(JSON.stringify({ ...good, permissions: [{ type: 'network_http_domain', value: 'https://api.example.com/v1' }, { type: 'network_http_domain', value: '10.0.0.1' }] }));
    expect(r).toMatchObject({ ok: false, errors: [expect.stringMatching(/^\$\.permissions\[0\]\.value: network_http_domain .* is a URL/), expect.stringMatching(/^\$\.permissions\[1\]\.value: .* is an IP address/)] });
  });

  it('refuses text that is not JSON', () => {
    const r = parseManifest('{ nope');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/not valid JSON/);
  });

  it('keeps entry paths inside the plugin folder', () => {
    expect(resolveInside('/p', 'native/x.so')).toEqual({ ok: true, path: '/p/native/x.so' });
    expect(resolveInside('/p', '../x.so')).toMatchObject({ ok: false, error: expect.stringContaining('escapes') });
    expect(resolveInside('/p', '/etc/x.so')).toMatchObject({ ok: false });
    expect(resolveInside('/p', 'a/../../x.so')).toMatchObject({ ok: false });
  });

  it('finds the library for this machine', () => {
    const r = parseManifest(JSON.stringify(good));
    if (!r.ok) throw new Error('expected a good manifest');
    expect(nativeLibraryPath('/p', r.manifest, 'linux_x64')).toEqual({ ok: true, path: '/p/native/libp.so' });
    expect(nativeLibraryPath('/p', r.manifest, 'macos_arm64')).toMatchObject({ ok: false, error: expect.stringContaining('no native library for macos_arm64') });
    expect(nativeTargetKey('linux', 'x64')).toBe('linux_x64');
  });
});
