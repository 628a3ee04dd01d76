import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-file';
import { schemaDefaults, type SettingsSchema } from './settings-schema';

/** A plugin's saved settings merged over its schema's defaults. */
export function readSettings(path: string, schema: SettingsSchema | undefined): Record<string, unknown> {
  let saved: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) saved = parsed as Record<string, unknown>;
    } catch {
      saved = {};
    }
  }
  return { ...schemaDefaults(schema), ...saved };
}

export function writeSettings(path: string, values: Record<string, unknown>): void {
  writeFileAtomic(path, JSON.stringify(values));
}
