import { readStepTypes } from '../workflows/step-types';
import type { BridgeMessage } from './host-protocol';
import type { PluginMetadata } from './summary-types';

/**
 * What a plugin host may say to main, checked against what its plugin was granted (design §8 "Main
 * trusts no plugin host"). The bridge only sends an `event` when the plugin holds `events_emit`,
 * an `http` call with a network permission and so on; but the bridge runs inside the plugin's
 * process, and a plugin can write any frame it likes to its channel. So main checks again, on the
 * message itself: a well-formed message the plugin's permissions cannot explain is refused, and so
 * is anything malformed or unknown.
 */
export type Checked = { ok: true; message: BridgeMessage } | { ok: false; reason: string };

/** The permission types a plugin was granted (approved, or Restricted and turned on). */
export type GrantedTypes = ReadonlySet<string>;

type Fields = Record<string, unknown>;

const isText = (v: unknown): v is string => typeof v === 'string';
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffffffff;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which granted permission explains a host call, or undefined when none is needed. */
const NEEDS: Record<string, { any: readonly string[]; what: string } | undefined> = {
  event: { any: ['events_emit'], what: 'emitting events needs events_emit' },
  http: { any: ['network_http', 'network_http_domain'], what: 'HTTP requests need network_http or network_http_domain' },
};

function shapeProblem(m: Fields): string | undefined {
  switch (m.type) {
    case 'log':
      return isText(m.level) && isText(m.message) ? undefined : 'a malformed log record';
    case 'notify':
      return isObject(m.notification) && isText(m.notification.title) && isText(m.notification.message) ? undefined : 'a malformed notification';
    case 'loaded':
      return typeof m.ok === 'boolean' ? undefined : 'a malformed load reply';
    case 'event':
      return isText(m.name) && m.name.length > 0 && m.name.length <= 200 ? undefined : 'a malformed event';
    case 'http':
      // A body comes beside the message, never in it (see outbox-format).
      return isId(m.id) && (m.method === 'GET' || m.method === 'POST') && isText(m.url) && (m.headers === undefined || m.headers === null || isObject(m.headers)) && (m.body === undefined || m.body === null)
        ? undefined
        : 'a malformed HTTP request';
    case 'settings':
      return isId(m.id) && isObject(m.values) ? undefined : 'a malformed settings save';
    default:
      return `a message of unknown type ${JSON.stringify(String(m.type)).slice(0, 80)}`;
  }
}

export function checkBridgeMessage(raw: unknown, granted: GrantedTypes): Checked {
  if (!isObject(raw)) return { ok: false, reason: 'a message that is not an object' };
  const problem = shapeProblem(raw);
  if (problem) return { ok: false, reason: problem };
  const needs = NEEDS[raw.type as string];
  if (needs && !needs.any.some((p) => granted.has(p))) {
    return { ok: false, reason: `a '${String(raw.type)}' message, but ${needs.what} and the plugin holds none of them` };
  }
  return { ok: true, message: raw as unknown as BridgeMessage };
}

/**
 * What a plugin host says its loaded plugin is: the texts must be texts and the commands a list of
 * names; step types are kept only as far as they are well formed, each dropped one with a problem.
 */
export function readLoadedPlugin(metadata: unknown, commands: unknown): { ok: true; metadata: PluginMetadata; commands: string[]; problems: string[] } | { ok: false; reason: string } {
  if (!isObject(metadata)) return { ok: false, reason: 'a load reply without metadata' };
  const texts = ['id', 'name', 'version', 'description', 'author', 'rustc'] as const;
  const bad = texts.find((k) => !isText(metadata[k]) || (metadata[k] as string).length > 4096);
  if (bad) return { ok: false, reason: `a load reply whose metadata field ${bad} is not a text` };
  if (!Array.isArray(commands) || commands.length > 10_000 || !commands.every((c) => isText(c) && c.length > 0 && c.length <= 200)) return { ok: false, reason: 'a load reply whose commands are not a list of names' };
  const steps = readStepTypes(metadata.workflowStepTypes);
  return {
    ok: true,
    metadata: {
      ...(Object.fromEntries(texts.map((k) => [k, metadata[k]])) as Pick<PluginMetadata, (typeof texts)[number]>),
      abiVersion: Number(metadata.abiVersion),
      sharedStd: metadata.sharedStd === true,
      workflowStepTypes: steps.types,
    },
    commands: commands as string[],
    problems: steps.problems,
  };
}
