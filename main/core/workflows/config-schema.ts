import { displayText } from '../display-text';

/**
 * A workflow step's config schema (a JSON Schema the plugin registered), read as far as a form can
 * draw it and main can check it: pure, so the Workflows panel uses it too. Keywords outside this
 * subset are left to the plugin, which checks its own config anyway.
 */
export interface ConfigSchema {
  type?: 'object';
  properties?: Record<string, ConfigProperty>;
  required?: string[];
}

export type ConfigType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface ConfigProperty {
  type?: ConfigType;
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

const TYPES: readonly ConfigType[] = ['string', 'number', 'integer', 'boolean', 'array', 'object'];

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The parts of `raw` this host understands, with any other keyword dropped. A schema that is not an
 * object, or whose `type` is not "object", cannot describe a step's config.
 */
export function readConfigSchema(raw: unknown): { ok: true; schema: ConfigSchema } | { ok: false; problem: string } {
  if (!isObject(raw)) return { ok: false, problem: 'its config schema is not a JSON object' };
  if (raw.type !== undefined && raw.type !== 'object') return { ok: false, problem: `its config schema has type ${JSON.stringify(raw.type)}, not "object"` };
  const properties: Record<string, ConfigProperty> = {};
  for (const [name, p] of Object.entries(isObject(raw.properties) ? raw.properties : {})) {
    if (!isObject(p)) continue;
    const type = TYPES.find((t) => t === p.type);
    properties[name] = {
      type,
      // The plugin wrote these texts: shown, never interpreted (see display-text).
      title: typeof p.title === 'string' ? displayText(p.title).slice(0, 200) : undefined,
      description: typeof p.description === 'string' ? displayText(p.description).slice(0, 1000) : undefined,
      enum: Array.isArray(p.enum) ? p.enum : undefined,
      default: p.default,
      minimum: finite(p.minimum),
      maximum: finite(p.maximum),
      minLength: finite(p.minLength),
      maxLength: finite(p.maxLength),
    };
  }
  const required = Array.isArray(raw.required) ? raw.required.filter((r): r is string => typeof r === 'string') : [];
  return { ok: true, schema: { type: 'object', properties, required } };
}

/** The config a new step starts with: a copy of each property's default (JSON, so a panel's reactive proxy copies too). */
export function configDefaults(schema: ConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) if (p.default !== undefined) out[k] = JSON.parse(JSON.stringify(p.default)) as unknown;
  return out;
}

function typeProblem(type: ConfigType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v !== 'string';
    case 'boolean':
      return typeof v !== 'boolean';
    case 'integer':
      return !Number.isInteger(v);
    case 'number':
      return typeof v !== 'number' || !Number.isFinite(v);
    case 'array':
      return !Array.isArray(v);
    case 'object':
      return !isObject(v);
  }
}

const article = (type: ConfigType): string => (type === 'integer' || type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`);

/** Every way `config` breaks `schema`, each naming the field; empty when it fits. */
export function configProblems(schema: ConfigSchema, config: unknown): string[] {
  if (!isObject(config)) return ['the config must be a JSON object'];
  const problems: string[] = [];
  const props = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    const v = config[name];
    if (v === undefined || v === null || v === '') problems.push(`${props[name]?.title ?? name} is required`);
  }
  for (const [name, v] of Object.entries(config)) {
    const p = props[name];
    // Empty means unset: a required one was reported above.
    if (!p || v === undefined || v === null || v === '') continue;
    const label = p.title ?? name;
    if (p.type && typeProblem(p.type, v)) {
      problems.push(`${label} must be ${article(p.type)}`);
      continue;
    }
    if (p.enum && !p.enum.some((e) => e === v)) problems.push(`${label} must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    if (typeof v === 'number') {
      if (p.minimum !== undefined && v < p.minimum) problems.push(`${label} must be at least ${p.minimum}`);
      if (p.maximum !== undefined && v > p.maximum) problems.push(`${label} must be at most ${p.maximum}`);
    }
    if (typeof v === 'string') {
      const length = [...v].length;
      if (p.minLength !== undefined && length < p.minLength) problems.push(`${label} must have at least ${p.minLength} characters`);
      if (p.maxLength !== undefined && length > p.maxLength) problems.push(`${label} must have at most ${p.maxLength} characters`);
    }
  }
  return problems;
}
