import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings, writeSettings } from './settings';
import { isSecret, settingsProblems, type SettingsSchema } from './settings-schema';

const schema: SettingsSchema = {
  type: 'object',
  properties: {
    baseUrl: { type: 'string', default: 'https://api.example.com' },
    apiKey: { type: 'string' },
    limit: { type: 'integer', default: 10 },
    mode: { type: 'string', enum: ['fast', 'careful'], default: 'fast' },
    verbose: { type: 'boolean', default: false },
  },
};

describe('plugin settings', () => {
  it('merge saved values over the defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-set-'));
    const path = join(dir, 'p.json');
    expect(readSettings(path, schema)).toEqual({ baseUrl: 'https://api.example.com', limit: 10, mode: 'fast', verbose: false });
    writeSettings(path, { limit: 3 });
    expect(readSettings(path, schema)).toMatchObject({ limit: 3, mode: 'fast' });
    rmSync(dir, { recursive: true });
  });

  it('are checked against their schema', () => {
    expect(settingsProblems(schema, { limit: 2.5, mode: 'slow', verbose: 'yes' })).toEqual(['limit must be an integer', 'mode must be one of "fast", "careful"', 'verbose must be a boolean']);
    expect(settingsProblems(schema, [])).toEqual(['settings must be a JSON object']);
    expect(settingsProblems(schema, { limit: 5, extra: 'kept' })).toEqual([]);
  });

  it('know which values are secrets', () => {
    expect(isSecret('apiKey', {})).toBe(true);
    expect(isSecret('password', {})).toBe(true);
    expect(isSecret('endpoint', { format: 'password' })).toBe(true);
    expect(isSecret('baseUrl', {})).toBe(false);
  });
});
