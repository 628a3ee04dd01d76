import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_MANIFEST_LIBRARY, smallManifest } from '../../../test/helpers/manifests';
import { scratchHome } from '../../../test/helpers/per-test';
import { GrantStore } from '../grants/store';
import type { Logger } from '../log/logger';
import { PluginCatalogue } from './catalogue';
import { PluginRegistry } from './registry';

const quiet: Logger = { log: () => undefined };

function plugin(pluginsDir: string, folder: string, id: string, permissions: unknown[]): string {
  const dir = join(pluginsDir, folder);
  mkdirSync(join(dir, 'native'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(smallManifest({ id, permissions })));
  writeFileSync(join(dir, SMALL_MANIFEST_LIBRARY), 'not really a library');
  return dir;
}

function catalogue() {
  const home = scratchHome();
  const pluginsDir = join(home, 'plugins');
  const grants = new GrantStore(join(home, 'grants.json'));
  const registry = new PluginRegistry(join(home, 'plugins.json'));
  return { pluginsDir, grants, registry, catalogue: new PluginCatalogue({ pluginsDir, registry, grants, logger: quiet }) };
}

const ID = 'dev.example.fetcher';

describe('the plugin catalogue', () => {
  it('gives a plugin seen for the first time a record, and an authority with nothing approved yet', () => {
    const { pluginsDir, catalogue: c } = catalogue();
    const dir = plugin(pluginsDir, 'fetcher', ID, [{ type: 'network_http' }]);
    expect(c.read(dir, 'fetcher', 'placed by hand')?.problem).toBeUndefined();
    expect(c.record(ID)).toMatchObject({ enabled: true, approved: [], installSource: 'placed by hand', librarySha256: expect.any(String) as string });
    expect(c.authority(ID)).toMatchObject({ enabled: true, permissions: [] });
    expect(c.authority(ID)?.pending.map((p) => p.key)).toEqual(['network_http']);
  });

  it('resolves the authority again when a record changes, and not before', () => {
    const { pluginsDir, catalogue: c } = catalogue();
    c.read(plugin(pluginsDir, 'fetcher', ID, [{ type: 'network_http' }]), 'fetcher', 'test');
    const before = c.authority(ID);
    expect(c.authority(ID)).toBe(before);
    c.updateRecord(ID, { approved: ['network_http'] });
    expect(c.authority(ID)).not.toBe(before);
    expect(c.authority(ID)?.holds('network_http')).toBe(true);
    c.updateRecord(ID, { enabled: false });
    expect(c.authority(ID)?.enabled).toBe(false);
  });

  it('resolves it again when the user grants, revokes or toggles local network, wherever that happens', () => {
    const { pluginsDir, grants, catalogue: c } = catalogue();
    c.read(plugin(pluginsDir, 'fetcher', ID, [{ type: 'network_http' }]), 'fetcher', 'test');
    const g = grants.add({ pluginId: ID, permission: 'network_http', scheme: 'https', host: 'api.example.com', port: 443, via: 'prompt: allow always' }, 'panel');
    expect(c.authority(ID)?.grants.network.map((n) => n.id)).toEqual([g.id]);
    grants.setLocalNetwork(ID, true, 'panel');
    expect(c.authority(ID)?.localNetwork).toBe(true);
    grants.revoke(g.id, 'panel');
    expect(c.authority(ID)?.grants.network).toEqual([]);
  });

  it('has no authority for a plugin whose manifest is invalid, only an entry saying why', () => {
    const { pluginsDir, catalogue: c } = catalogue();
    const dir = join(pluginsDir, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), '{ "id": 1 }');
    expect(c.read(dir, 'broken', 'test')?.problem).toMatch(/^invalid manifest: /);
    expect(c.authority('broken')).toBeUndefined();
  });

  it('ignores a plugin whose wire names would collide with an installed one', () => {
    const { pluginsDir, catalogue: c } = catalogue();
    c.read(plugin(pluginsDir, 'a', 'dev.example.a-b', []), 'a', 'test');
    expect(c.read(plugin(pluginsDir, 'b', 'dev.example.a.b', []), 'b', 'test')).toBeUndefined();
    expect(c.ids()).toEqual(['dev.example.a-b']);
  });

  it('forgets a dropped plugin and its authority; its record stays until removed', () => {
    const { pluginsDir, catalogue: c } = catalogue();
    c.read(plugin(pluginsDir, 'fetcher', ID, []), 'fetcher', 'test');
    c.drop(ID);
    expect(c.authority(ID)).toBeUndefined();
    expect(c.record(ID)).toBeDefined();
    c.removeRecord(ID);
    expect(c.record(ID)).toBeUndefined();
  });
});
