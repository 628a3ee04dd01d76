import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import type { Logger } from '../log/logger';
import type { Manifest } from '../manifest/read';
import { PluginSettings } from './plugin-settings';


const schema = {
  type: 'object',
  properties: { title: { type: 'string', default: 'Notes' }, api_key: { type: 'string', format: 'password' }, max_notes: { type: 'integer', default: 10 } },
};
const manifest = { id: 'dev.example.notes', settings_schema: schema } as unknown as Manifest;

function settings() {
  const dir = scratchHome();
  const logged: string[] = [];
  const saved: Array<{ pluginId: string; values: Record<string, unknown>; fromPanel: boolean }> = [];
  const logger: Logger = { log: (_level, target, message) => logged.push(`${target}: ${message}`) };
  const service = new PluginSettings({
    settingsDir: dir,
    manifestOf: (id) => (id === manifest.id ? manifest : undefined),
    logger,
    onSaved: (pluginId, values, fromPanel) => saved.push({ pluginId, values, fromPanel }),
  });
  return { dir, logged, saved, service };
}

describe("plugins' settings", () => {
  it('reads as the schema defaults until something is saved', () => {
    expect(settings().service.of(manifest.id)).toEqual({ schema, values: { title: 'Notes', max_notes: 10 } });
  });

  it('saves from a panel what fits the schema, says so without the values, and tells the plugin what it now sees', () => {
    const { dir, logged, saved, service } = settings();
    expect(service.saveFromPanel(manifest.id, { api_key: 'sk-secret', max_notes: 3 })).toEqual({ title: 'Notes', api_key: 'sk-secret', max_notes: 3 });
    expect(JSON.parse(readFileSync(join(dir, `${manifest.id}.json`), 'utf8'))).toEqual({ api_key: 'sk-secret', max_notes: 3 });
    expect(saved).toEqual([{ pluginId: manifest.id, values: { title: 'Notes', api_key: 'sk-secret', max_notes: 3 }, fromPanel: true }]);
    expect(logged).toEqual(['dev.example.notes: settings saved from the panel']);
    expect(logged.join('\n')).not.toContain('sk-secret');
  });

  it('refuses from a panel what does not fit the schema, and keeps what was saved', () => {
    const { saved, service } = settings();
    service.saveFromPanel(manifest.id, { max_notes: 3 });
    expect(() => service.saveFromPanel(manifest.id, { max_notes: 'many' })).toThrow('settings of dev.example.notes not saved: max_notes must be an integer');
    expect(service.current(manifest.id)).toMatchObject({ max_notes: 3 });
    expect(saved).toHaveLength(1);
  });

  it("answers a plugin's own save with a problem instead of throwing, and limits its size", () => {
    const { saved, service } = settings();
    expect(service.saveOwn(manifest.id, { title: 'x'.repeat(300 * 1024) })).toEqual({ ok: false, message: expect.stringMatching(/^settings not saved: settings of \d+ bytes are more than the 262144 a plugin may keep$/) as string });
    expect(service.saveOwn(manifest.id, { title: 'Mine' })).toEqual({ ok: true, values: { title: 'Mine', max_notes: 10 } });
    expect(saved).toEqual([{ pluginId: manifest.id, values: { title: 'Mine', max_notes: 10 }, fromPanel: false }]);
  });

  it('has nothing to say of a plugin that is not installed', () => {
    expect(() => settings().service.of('dev.example.gone')).toThrow('no plugin dev.example.gone is installed');
  });
});
