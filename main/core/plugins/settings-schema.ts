/** Settings schemas as panels and the host read them: pure, so the renderer uses it too. */
/** The subset of JSON Schema a settings form renders: strings, numbers, booleans, enums. */
export interface SettingsSchema {
  type?: 'object';
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

export interface PropertySchema {
  type?: 'string' | 'number' | 'integer' | 'boolean';
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  writeOnly?: boolean;
}

const SECRET_NAME = /(key|token|secret|password|passwd)$/i;

/** Whether a setting holds a secret: shown as a password field and never logged. */
export function isSecret(name: string, p: PropertySchema): boolean {
  return p.format === 'password' || p.writeOnly === true || SECRET_NAME.test(name);
}

export function schemaDefaults(schema: SettingsSchema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema?.properties ?? {})) if (p.default !== undefined) out[k] = p.default;
  return out;
}

/** Every way `values` breaks the schema; empty when it fits. */
export function settingsProblems(schema: SettingsSchema | undefined, values: unknown): string[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return ['settings must be a JSON object'];
  const problems: string[] = [];
  const props = schema?.properties ?? {};
  for (const [k, v] of Object.entries(values)) {
    const p = props[k];
    if (!p) continue;
    const ok =
      p.type === 'string' ? typeof v === 'string' :
      p.type === 'boolean' ? typeof v === 'boolean' :
      p.type === 'integer' ? Number.isInteger(v) :
      p.type === 'number' ? typeof v === 'number' && Number.isFinite(v) : true;
    if (!ok) problems.push(`${k} must be ${p.type === 'integer' ? 'an integer' : `a ${p.type}`}`);
    if (p.enum && !p.enum.some((e) => e === v)) problems.push(`${k} must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  return problems;
}

