import { describe, expect, it } from 'vitest';
import { nativeLibraryPath, nativeTargetKey, parseManifest, resolveInside } from './read';

const good = {
  id: 'dev.example.my-plugin',
  name: 'My Plugin',
  version: '0.1.0',
  description: 'd',
  author: 'Example',
  compatibility: { min_app_version: '0.8.0' },
  capability_levels: [4],
  entry: { native: { linux_x64: 'native/libp.so' } },
};

describe('reading a manifest', () => {
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
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(nativeLibraryPath('/p', r.manifest, 'linux_x64')).toEqual({ ok: true, path: '/p/native/libp.so' });
    expect(nativeLibraryPath('/p', r.manifest, 'macos_arm64')).toMatchObject({ ok: false, error: expect.stringContaining('no native library for macos_arm64') });
    expect(nativeTargetKey('linux', 'x64')).toBe('linux_x64');
    expect(nativeTargetKey('win32', 'x64')).toBe('windows_x64');
  });
});
