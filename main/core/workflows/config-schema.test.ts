import { describe, expect, it } from 'vitest';
import { configDefaults, configProblems, readConfigSchema, type ConfigSchema } from './config-schema';

const schema = (raw: unknown): ConfigSchema => {
  const read = readConfigSchema(raw);
  if (!read.ok) throw new Error(read.problem);
  return read.schema;
};

const sync = schema({
  type: 'object',
  required: ['workspace'],
  properties: {
    workspace: { type: 'string', title: 'Workspace', minLength: 2, maxLength: 5 },
    force: { type: 'boolean' },
    depth: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    mode: { enum: ['fast', 'safe'], default: 'safe' },
    paths: { type: 'array' },
    extra: { type: 'object' },
  },
});

describe('a step config schema', () => {
  it('is a JSON object of type object; other keywords are dropped, texts made safe to show', () => {
    expect(readConfigSchema([])).toEqual({ ok: false, problem: 'its config schema is not a JSON object' });
    expect(readConfigSchema({ type: 'string' })).toEqual({ ok: false, problem: 'its config schema has type "string", not "object"' });
    expect(schema({ properties: { a: { type: 'string', title: 'A\u202Eb', pattern: '.*', format: 'x' } } })).toEqual({
      type: 'object',
      required: [],
      properties: { a: { type: 'string', title: 'A<U+202E>b', description: undefined, enum: undefined, default: undefined, minimum: undefined, maximum: undefined, minLength: undefined, maxLength: undefined } },
    });
  });

  it('gives a new step its defaults, copied', () => {
    const defaults = configDefaults(sync);
    expect(defaults).toEqual({ depth: 3, mode: 'safe' });
  });

  it('accepts a config that fits', () => {
    expect(configProblems(sync, { workspace: 'main', force: true, depth: 10, mode: 'fast', paths: ['a'], extra: {} })).toEqual([]);
  });

  it('names every field that does not fit, by its title where it has one', () => {
    expect(configProblems(sync, { force: 'yes', depth: 0.5, mode: 'slow', paths: 'a', extra: [] })).toEqual([
      'Workspace is required',
      'force must be a boolean',
      'depth must be an integer',
      'mode must be one of "fast", "safe"',
      'paths must be an array',
      'extra must be an object',
    ]);
    expect(configProblems(sync, { workspace: 'x', depth: 11 })).toEqual(['Workspace must have at least 2 characters', 'depth must be at most 10']);
    expect(configProblems(sync, { workspace: 'toolong' })).toEqual(['Workspace must have at most 5 characters']);
    expect(configProblems(sync, { workspace: '' })).toEqual(['Workspace is required']);
  });

  it('counts characters, not UTF-16 units, and leaves unknown fields to the plugin', () => {
    expect(configProblems(sync, { workspace: '😀😀', unknown: 1 })).toEqual([]);
    expect(configProblems(sync, null)).toEqual(['the config must be a JSON object']);
  });
});
