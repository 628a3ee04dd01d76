import { displayText } from '../display-text';
import { readConfigSchema, type ConfigSchema } from './config-schema';

/** A workflow step type as a plugin registered it (contract: `WorkflowStepTypeDefinition`). */
export interface StepTypeDefinition {
  typeId: string;
  displayName: string;
  description: string;
  /** A Lucide icon name; the panel shows it as text, never loads anything by it. */
  icon: string;
  category: string;
  configSchema: ConfigSchema;
}

/** A step type any active plugin offers, as panels and the command line see it. */
export interface StepType extends StepTypeDefinition {
  /** `{plugin_id}:{type_id}`, the contract's name for it on the wire. */
  id: string;
  pluginId: string;
  pluginName: string;
}

// What a type id may look like: the contract's examples are snake_case ("p4_sync"), and the id goes
// into audit lines and workflow files, so nothing there needs escaping.
const TYPE_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const MAX_SCHEMA_BYTES = 64 * 1024;
const MAX_TYPES = 100;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string => displayText(typeof v === 'string' ? v : '').slice(0, max);

/** The length of `value` as JSON, or undefined when it is not JSON (a frame may carry cycles). */
function jsonSize(value: unknown): number | undefined {
  try {
    return JSON.stringify(value).length;
  } catch {
    return undefined;
  }
}

/**
 * The step types in a plugin host's load reply, which main does not trust (design §8): each must
 * have a plain type id, appear once, and carry an object schema of reasonable size; its texts are
 * made safe to show. The rest are dropped, each with a problem saying why.
 */
export function readStepTypes(raw: unknown): { types: StepTypeDefinition[]; problems: string[] } {
  const types: StepTypeDefinition[] = [];
  const problems: string[] = [];
  if (!Array.isArray(raw)) return { types, problems: raw === undefined ? [] : ['its workflow step types are not a list'] };
  for (const item of raw.slice(0, MAX_TYPES)) {
    const id = isObject(item) ? item.typeId : undefined;
    if (!isObject(item) || typeof id !== 'string' || !TYPE_ID.test(id)) {
      problems.push(id === undefined ? 'a workflow step type without an id was ignored' : `a workflow step type with a malformed id ${JSON.stringify(id).slice(0, 60)} was ignored`);
      continue;
    }
    if (types.some((t) => t.typeId === id)) {
      problems.push(`workflow step type ${id} is registered twice; the first was kept`);
      continue;
    }
    const size = jsonSize(item.configSchema ?? null);
    if (size === undefined || size > MAX_SCHEMA_BYTES) {
      problems.push(`workflow step type ${id} was ignored: its config schema ${size === undefined ? 'is not JSON' : `is larger than ${MAX_SCHEMA_BYTES} bytes`}`);
      continue;
    }
    const schema = readConfigSchema(item.configSchema ?? { type: 'object' });
    if (!schema.ok) {
      problems.push(`workflow step type ${id} was ignored: ${schema.problem}`);
      continue;
    }
    types.push({
      typeId: id,
      displayName: text(item.displayName, 200) || id,
      description: text(item.description, 1000),
      icon: text(item.icon, 60),
      category: text(item.category, 100) || 'Other',
      configSchema: schema.schema,
    });
  }
  if (raw.length > MAX_TYPES) problems.push(`only the first ${MAX_TYPES} of ${raw.length} workflow step types were kept`);
  return { types, problems };
}

/** Splits `{plugin_id}:{type_id}` at its last colon (plugin ids have none; type ids neither). */
export function splitStepTypeId(id: string): { pluginId: string; typeId: string } | undefined {
  const at = id.lastIndexOf(':');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { pluginId: id.slice(0, at), typeId: id.slice(at + 1) };
}
