import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger';
import type { Manifest } from '../manifest/read';
import { readSettings, writeSettings } from './settings';
import { schemaDefaults, settingsProblems, type SettingsSchema } from './settings-schema';

/** The most a plugin may keep in its settings file. */
const MAX_SETTINGS_BYTES = 256 * 1024;

export interface PluginSettingsOptions {
  /** Where plugins' settings are kept (outside their folders, so upgrades keep them). */
  settingsDir: string;
  manifestOf: (pluginId: string) => Manifest | undefined;
  logger: Logger;
  /**
   * Settings were saved: `values` is what the plugin now sees. `fromPanel` is false when the plugin
   * saved them itself, and so knows of them already.
   */
  onSaved: (pluginId: string, values: Record<string, unknown>, fromPanel: boolean) => void;
}

/** Plugins' settings: read over their schema's defaults, checked against it, written atomically. Values are never logged (they hold API keys). */
export class PluginSettings {
  constructor(private readonly opts: PluginSettingsOptions) {}

  /** The settings form of a plugin: its schema and current values (secrets included, for the form only). */
  of(pluginId: string): { schema: SettingsSchema | null; values: Record<string, unknown> } {
    const schema = this.schemaOf(pluginId);
    return { schema: schema ?? null, values: readSettings(this.path(pluginId), schema) };
  }

  /** What a plugin host is given at start: the saved values over the schema's defaults. */
  current(pluginId: string): Record<string, unknown> {
    return readSettings(this.path(pluginId), this.schemaOf(pluginId));
  }

  /** Saves settings from a panel; throws with every problem when they do not fit the schema. */
  saveFromPanel(pluginId: string, values: Record<string, unknown>): Record<string, unknown> {
    const problems = settingsProblems(this.schemaOf(pluginId), values);
    if (problems.length > 0) throw new Error(`settings of ${pluginId} not saved: ${problems.join('; ')}`);
    return this.write(pluginId, values, true, 'settings saved from the panel');
  }

  /** A plugin saves its own settings (`ctx.save_settings()`), checked like a panel's save, and size-limited. */
  saveOwn(pluginId: string, values: Record<string, unknown>): { ok: true; values: Record<string, unknown> } | { ok: false; message: string } {
    const problems = settingsProblems(this.schemaOf(pluginId), values);
    const size = JSON.stringify(values).length;
    if (size > MAX_SETTINGS_BYTES) problems.push(`settings of ${size} bytes are more than the ${MAX_SETTINGS_BYTES} a plugin may keep`);
    if (problems.length > 0) return { ok: false, message: `settings not saved: ${problems.join('; ')}` };
    return { ok: true, values: this.write(pluginId, values, false, 'settings saved') };
  }

  private write(pluginId: string, values: Record<string, unknown>, fromPanel: boolean, said: string): Record<string, unknown> {
    mkdirSync(this.opts.settingsDir, { recursive: true });
    writeSettings(this.path(pluginId), values);
    this.opts.logger.log('info', pluginId, said);
    const merged = { ...schemaDefaults(this.schemaOf(pluginId)), ...values };
    this.opts.onSaved(pluginId, merged, fromPanel);
    return merged;
  }

  private schemaOf(pluginId: string): SettingsSchema | undefined {
    const manifest = this.opts.manifestOf(pluginId);
    if (!manifest) throw new Error(`no plugin ${pluginId} is installed`);
    return manifest.settings_schema as SettingsSchema | undefined;
  }

  private path(pluginId: string): string {
    return join(this.opts.settingsDir, `${pluginId}.json`);
  }
}
