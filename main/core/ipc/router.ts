import type { AuditLog } from '../audit/log';
import { AUDIT_KINDS, toCsv, toJsonLines, type AuditFilter, type AuditIndex, type AuditKind, type AuditRecord } from '../audit/records';
import { installToolchain, TOOLCHAIN_NAME } from '../bridges/toolchain-install';
import { displayFields } from '../display-text';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type FileLogger } from '../log/logger';
import type { PluginLifecycle } from '../plugins/lifecycle';
import type { PluginSettings } from '../plugins/plugin-settings';
import type { PanelAsker } from '../prompts/panel-asker';
import type { Installer } from '../plugins/installer';
import type { InstallOptions } from '../plugins/install-types';
import { PROMPT_ANSWERS, type PromptAnswer } from '../prompts/prompt-types';
import type { Workflows } from '../workflows/workflows';
import type { FrameCalls } from '../frontends/frame-calls';
import type { FileDialogs } from '../dialogs/file-dialogs';
import type { UserFileGrant, UserGrantResult } from '../files/user-grant-types';
import type { RecordChange } from '../audit/changes';
import { CHANNELS, type ChannelName, type Channels } from './channels';

/** A refusal the caller can read; nothing about it is secret. */
export class IpcRefusal extends Error {
  override readonly name = 'IpcRefusal';
}

/** What the router serves. */
export interface RouterCore {
  plugins: PluginLifecycle;
  settings: PluginSettings;
  installer: Installer;
  logger: FileLogger;
  grants: GrantStore;
  audit: AuditLog;
  /** The audit folded into records, for the panels (built on first use). */
  auditIndex: () => AuditIndex;
  panelAsker: PanelAsker;
  workflows: Workflows;
  frameCalls: FrameCalls;
  dialogs: FileDialogs;
  /** Announces that a plugin was uninstalled. */
  pluginRemoved: (pluginId: string) => void;
  /** Grants a folder or file by hand (see files/user-grants). */
  grantFile: (grant: UserFileGrant) => UserGrantResult;
  /** Writes down a change the user made (an approval, a toggle, an install), who made it, and what changed. */
  recordChange: RecordChange;
}

const MAX_ARGS_BYTES = 8 * 1024 * 1024;

function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && (CHANNELS as readonly string[]).includes(name);
}

function expectString(value: unknown, what: string, max = 512): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new IpcRefusal(`${what} must be a non-empty string of at most ${max} characters`);
  return value;
}

function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new IpcRefusal(`${what} must be true or false`);
  return value;
}

/** Install options from a panel or the command line: only the two known ones, of their types. */
function expectInstallOptions(value: unknown): InstallOptions {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new IpcRefusal('the install options must be an object');
  const { upgrade, sha256, leaveWaiting, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new IpcRefusal(`unknown install options: ${Object.keys(rest).join(', ')}`);
  return {
    ...(upgrade === undefined ? {} : { upgrade: expectBoolean(upgrade, 'upgrade') }),
    ...(sha256 === undefined ? {} : { sha256: expectString(sha256, 'the sha256 digest', 128) }),
    ...(leaveWaiting === undefined ? {} : { leaveWaiting: expectBoolean(leaveWaiting, 'leaveWaiting') }),
  };
}

function expectKeys(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 200 || value.some((k) => typeof k !== 'string' || k.length === 0 || k.length > 512)) {
    throw new IpcRefusal('the permission keys must be an array of strings');
  }
  return value as string[];
}

function optionalDate(value: unknown, what: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = new Date(expectString(value, what, 64));
  if (Number.isNaN(d.getTime())) throw new IpcRefusal(`${what} must be an ISO date`);
  return d;
}

/**
 * Whether a message's arguments come to `limit` characters or more, counted without serialising
 * them (a plugin command's arguments are one long string): texts by length, everything else small.
 */
function sizeAtLeast(value: unknown, limit: number): boolean {
  let size = 0;
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') size += v.length + 2;
    else if (depth > 64) return true;
    else if (Array.isArray(v)) {
      for (const x of v) if (walk(x, depth + 1)) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 3;
        if (walk(x, depth + 1)) return true;
      }
    } else size += 8;
    return size >= limit;
  };
  return walk(value, 0);
}

/** A filter from a panel: known fields of their types only. */
function expectAuditFilter(value: unknown): AuditFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new IpcRefusal('the audit filter must be an object');
  const f = value as Record<string, unknown>;
  const out: AuditFilter = {};
  for (const key of ['pluginId', 'host', 'text', 'rule'] as const) if (f[key] !== undefined && f[key] !== '') out[key] = expectString(f[key], key, 2048);
  for (const key of ['since', 'until'] as const) if (f[key] !== undefined && f[key] !== '') out[key] = optionalDate(f[key], key)?.toISOString();
  if (f.kind !== undefined && f.kind !== '') {
    if (!AUDIT_KINDS.includes(f.kind as AuditKind)) throw new IpcRefusal(`kind must be one of ${AUDIT_KINDS.join(', ')}`);
    out.kind = f.kind as AuditKind;
  }
  if (f.decision !== undefined && f.decision !== '') {
    if (f.decision !== 'allow' && f.decision !== 'deny') throw new IpcRefusal('decision must be allow or deny');
    out.decision = f.decision;
  }
  return out;
}

/** A record as panels see it: what plugins control in it made safe to show. */
const shownRecord = (r: AuditRecord): AuditRecord => ({ ...displayFields(r), entries: r.entries.map(displayFields) });

/**
 * Checks the shape of every message before it reaches the core, then runs it. Who sent it has
 * already been checked by the carrier (frame for Electron, token and origin for the web host).
 */
export function createRouter(core: RouterCore) {
  const { plugins, settings, installer, logger, grants, audit, panelAsker, workflows, frameCalls, dialogs, grantFile, recordChange } = core;
  /** A permission of an installed plugin in a change record's words: its key, tier and what it lets the plugin do. */
  const permissionText = (pluginId: string, key: string) => {
    const state = plugins.get(pluginId)?.permissions.find((p) => p.key === key);
    return state ? `${key} (${state.tier}: ${state.description})` : key;
  };
  // Each handler also learns who asked (a panel, the command line), for what it records.
  const handlers: { [K in ChannelName]: (this: { sender: string }, ...args: unknown[]) => Promise<Channels[K]['result']> } = {
    'hf:host:ping': async (value) => value ?? null,
    'hf:plugins:list': async () => plugins.list(),
    'hf:plugin:invoke': async (wire, args, timeoutMs) => {
      const name = expectString(wire, 'the wire name');
      if (!/^plugin_[A-Za-z0-9_]+$/.test(name)) throw new IpcRefusal(`'${name}' is not a plugin wire name (plugin_<id>_<command>)`);
      if (timeoutMs !== undefined && timeoutMs !== null && !(Number.isInteger(timeoutMs) && (timeoutMs as number) > 0 && (timeoutMs as number) <= 600_000)) {
        throw new IpcRefusal('the timeout must be a whole number of milliseconds from 1 to 600000');
      }
      // The arguments stay JSON text and the answer comes back as it came: main parses neither.
      if (typeof args !== 'string') throw new IpcRefusal('the arguments of a plugin command travel as JSON text');
      return plugins.invokeWireRaw(name, args, (timeoutMs as number | null | undefined) ?? undefined);
    },
    'hf:toolchain:install': async (name) => {
      const toolchain = expectString(name, 'the toolchain name', 64);
      if (!TOOLCHAIN_NAME.test(toolchain)) throw new IpcRefusal(`"${toolchain}" is not a toolchain name`);
      logger.log('info', HOST_TARGET, `installing Rust toolchain ${toolchain} with rustup, as the user asked`);
      const result = await installToolchain(toolchain);
      logger.log(result.ok ? 'info' : 'error', HOST_TARGET, `rustup toolchain install ${toolchain}: ${result.ok ? 'done' : result.output.split('\n').slice(-2).join(' | ')}`);
      return result;
    },
    'hf:plugins:manifest': async (pluginId) => plugins.catalogue.manifestOf(expectString(pluginId, 'the plugin id')) ?? null,
    'hf:plugins:restart': async (pluginId) => plugins.restart(expectString(pluginId, 'the plugin id')),
    'hf:plugins:set-local-network': async function (pluginId, on) {
      const id = expectString(pluginId, 'the plugin id');
      expectBoolean(on, 'the local network setting');
      if (!plugins.catalogue.entry(id)) throw new IpcRefusal(`no plugin ${id} is installed`);
      grants.setLocalNetwork(id, on as boolean, this.sender);
      return plugins.changed(id);
    },
    'hf:install:preview': async (source, options) => installer.preview(expectString(source, 'the package path', 4096), expectInstallOptions(options)),
    'hf:install:confirm': async function (source, keys, options) {
      const path = expectString(source, 'the package path', 4096);
      const approving = expectKeys(keys);
      const before = new Map(plugins.list().map((p) => [p.id, p.version]));
      const installed = await installer.install(path, approving, expectInstallOptions(options));
      const from = before.get(installed.id);
      const subject = `plugin://${installed.id}`;
      recordChange({
        change: from === undefined ? 'install' : 'upgrade',
        pluginId: installed.id,
        subject,
        what: `${from === undefined ? 'installed' : `upgraded from ${from} to`} ${installed.version} from ${path}`,
        decision: 'allow',
        by: this.sender,
      });
      for (const key of approving) {
        if (installed.permissions.some((p) => p.key === key && p.status === 'granted')) {
          recordChange({ change: 'approval-given', pluginId: installed.id, subject: `permission:${key}`, what: `approved ${permissionText(installed.id, key)} at ${from === undefined ? 'install' : 'upgrade'}`, decision: 'allow', by: this.sender });
        }
      }
      return installed;
    },
    'hf:plugins:set-enabled': async (pluginId, enabled) => plugins.setEnabled(expectString(pluginId, 'the plugin id'), expectBoolean(enabled, 'enabled')),
    'hf:plugins:approve': async function (pluginId, keys) {
      const id = expectString(pluginId, 'the plugin id');
      return plugins.approve(id, expectKeys(keys), (approved) => {
        for (const key of approved) recordChange({ change: 'approval-given', pluginId: id, subject: `permission:${key}`, what: `approved ${permissionText(id, key)}`, decision: 'allow', by: this.sender });
      });
    },
    'hf:plugins:revoke-approval': async function (pluginId, key) {
      const id = expectString(pluginId, 'the plugin id');
      const k = expectString(key, 'the permission key');
      return plugins.revokeApproval(id, k, () =>
        recordChange({ change: 'approval-revoked', pluginId: id, subject: `permission:${k}`, what: `took back the approval of ${permissionText(id, k)}; the plugin waits for it again`, decision: 'deny', by: this.sender }),
      );
    },
    'hf:plugins:set-restricted': async function (pluginId, key, on) {
      const id = expectString(pluginId, 'the plugin id');
      const k = expectString(key, 'the permission key');
      const turnOn = expectBoolean(on, 'on');
      return plugins.setRestricted(id, k, turnOn, (changed) => {
        if (!changed) return;
        const what = `${turnOn ? 'turned on' : 'turned off'} the Restricted permission ${permissionText(id, k)}`;
        recordChange({ change: turnOn ? 'restricted-on' : 'restricted-off', pluginId: id, subject: `permission:${k}`, what, decision: turnOn ? 'allow' : 'deny', by: this.sender });
      });
    },
    'hf:plugins:check-again': async (pluginId) => {
      const id = expectString(pluginId, 'the plugin id');
      const summary = await plugins.checkAgain(id);
      if (summary.id !== id) core.pluginRemoved(id);
      return summary;
    },
    'hf:plugins:uninstall': async function (pluginId, deleteData) {
      const id = expectString(pluginId, 'the plugin id');
      const deleting = expectBoolean(deleteData, 'deleteData');
      const was = plugins.get(id);
      const held = grants.all(id).length;
      await installer.uninstall(id, { deleteData: deleting });
      core.pluginRemoved(id);
      const what = `uninstalled ${was?.version ? `${was.version} ` : ''}(its data folder ${deleting ? 'deleted' : 'kept'}); its approvals and ${held} grant${held === 1 ? '' : 's'} went with it`;
      recordChange({ change: 'uninstall', pluginId: id, subject: `plugin://${id}`, what, decision: 'deny', by: this.sender });
      return true;
    },
    'hf:settings:get': async (pluginId) => settings.of(expectString(pluginId, 'the plugin id')),
    'hf:settings:save': async (pluginId, values) => {
      if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new IpcRefusal('settings must be an object');
      return settings.saveFromPanel(expectString(pluginId, 'the plugin id'), values as Record<string, unknown>);
    },
    'hf:app:theme-changed': async (theme) => {
      if (theme !== 'light' && theme !== 'dark') throw new IpcRefusal('the theme is light or dark');
      plugins.appEvent({ type: 'theme_changed' }, { theme });
      return true;
    },
    'hf:logs:tail': async (limit) => {
      if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 5000) throw new IpcRefusal('limit must be an integer from 1 to 5000');
      return logger.tail(limit as number).map(displayFields);
    },
    'hf:frame:call': async (pluginId, command, args) => {
      const id = expectString(pluginId, 'the plugin id');
      const name = expectString(command, 'the command', 200);
      if (!plugins.activeFrontend(id)) throw new IpcRefusal(`plugin ${id} has no active frontend to call from`);
      return frameCalls(id, name, args);
    },
    'hf:dialogs:list': async () => dialogs.pending(),
    'hf:dialogs:browse': async (path) => dialogs.browse(expectString(path, 'the folder', 4096)),
    'hf:dialogs:answer': async function (dialogId, path, lasts) {
      if (lasts !== undefined && lasts !== null && lasts !== 'session' && lasts !== 'always') throw new IpcRefusal('a file dialog grant lasts "session" or "always"');
      const chosen = path === null ? null : expectString(path, 'the chosen path', 4096);
      return dialogs.answer(expectString(dialogId, 'the dialog id', 64), chosen, { lasts: (lasts as 'session' | 'always' | null | undefined) ?? 'always', by: this.sender });
    },
    'hf:workflows:step-types': async () => workflows.stepTypes(),
    'hf:workflows:list': async () => workflows.list(),
    // A draft that does not fit its step types is the user's mistake, not a hostile message: a plain error.
    'hf:workflows:save': async (draft) => workflows.save(draft),
    'hf:workflows:delete': async (id) => workflows.remove(expectString(id, 'the workflow id', 64)),
    'hf:workflows:run': async function (this: { sender: string }, which) {
      const found = workflows.find(expectString(which, 'the workflow id or name', 200));
      if (!found) throw new IpcRefusal(`Not found: no workflow has the id or name "${String(which)}"`);
      return workflows.run(found.id, this.sender);
    },
    'hf:prompts:list': async () => panelAsker.pending(),
    'hf:prompts:answer': async function (promptId, answer) {
      const id = expectString(promptId, 'the prompt id', 64);
      if (!PROMPT_ANSWERS.includes(answer as PromptAnswer)) throw new IpcRefusal(`the answer must be one of ${PROMPT_ANSWERS.join(', ')}`);
      return panelAsker.answer(id, answer as PromptAnswer, this.sender);
    },
    'hf:prompts:answer-plugin': async function (pluginId, answer) {
      const id = expectString(pluginId, 'the plugin id');
      if (!PROMPT_ANSWERS.includes(answer as PromptAnswer)) throw new IpcRefusal(`the answer must be one of ${PROMPT_ANSWERS.join(', ')}`);
      return panelAsker.answerAll(id, answer as PromptAnswer, this.sender);
    },
    'hf:grants:list': async (pluginId) => grants.all(pluginId === undefined || pluginId === null ? undefined : expectString(pluginId, 'the plugin id')).map(displayFields),
    'hf:grants:add-file': async function (pluginId, path, write, lasts) {
      if (lasts !== 'once' && lasts !== 'session' && lasts !== 'day' && lasts !== 'always') throw new IpcRefusal('a grant lasts "once", "session", "day" or "always"');
      try {
        return grantFile({ pluginId: expectString(pluginId, 'the plugin id'), path: expectString(path, 'the path', 4096), write: expectBoolean(write, 'whether it may be changed'), lasts, by: this.sender });
      } catch (e) {
        throw new IpcRefusal((e as Error).message);
      }
    },
    'hf:grants:revoke': async function (grantId) {
      return grants.revoke(expectString(grantId, 'the grant id', 64), this.sender) ?? null;
    },
    'hf:grants:revoke-plugin': async function (pluginId) {
      const id = expectString(pluginId, 'the plugin id');
      return grants.revokeAll(id, this.sender).length;
    },
    'hf:grants:narrow': async function (grantId, to) {
      if (to !== 'day' && to !== 'read') throw new IpcRefusal('a grant narrows to "day" or "read"');
      try {
        return grants.narrow(expectString(grantId, 'the grant id', 64), to, this.sender) ?? null;
      } catch (e) {
        throw new IpcRefusal((e as Error).message);
      }
    },
    'hf:audit:records': async (filter, offset, limit) => {
      if (!Number.isInteger(offset) || (offset as number) < 0) throw new IpcRefusal('offset must be a whole number');
      if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 1000) throw new IpcRefusal('limit must be from 1 to 1000');
      const page = core.auditIndex().query(expectAuditFilter(filter), offset as number, limit as number);
      return { total: page.total, records: page.records.map(shownRecord) };
    },
    'hf:audit:export': async (filter, format) => {
      if (format !== 'csv' && format !== 'jsonl') throw new IpcRefusal('the export format is csv or jsonl');
      const records = core.auditIndex().matching(expectAuditFilter(filter));
      return format === 'csv' ? toCsv(records) : toJsonLines(records);
    },
    'hf:audit:query': async (query) => {
      const q = (query ?? {}) as Record<string, unknown>;
      if (typeof q !== 'object' || Array.isArray(q)) throw new IpcRefusal('the audit query must be an object');
      const decision = q.decision;
      if (decision !== undefined && decision !== 'allow' && decision !== 'deny') throw new IpcRefusal('decision must be allow or deny');
      return audit
        .query({
          pluginId: q.pluginId === undefined ? undefined : expectString(q.pluginId, 'the plugin id'),
          decision,
          since: optionalDate(q.since, 'since'),
          until: optionalDate(q.until, 'until'),
        })
        .map(displayFields);
    },
  };

  /** A refused message is recorded in the audit trail, so hostile panels leave a trace. */
  function refused(channel: unknown, e: IpcRefusal, sender: string): never {
    audit.refuse({ pluginId: `(${sender})`, method: 'IPC', url: `ipc:${String(channel).slice(0, 80)}`, rule: 'ipc:refused', reason: e.message });
    throw e;
  }

  /** `sender` names who asked, for the audit line of a refusal: a panel, or the command line. */
  return async function dispatch(channel: unknown, args: unknown, sender = 'panel'): Promise<unknown> {
    try {
      if (!isChannel(channel)) throw new IpcRefusal(`unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}`);
      if (!Array.isArray(args)) throw new IpcRefusal(`arguments of ${channel} must be an array`);
      if (sizeAtLeast(args, MAX_ARGS_BYTES)) throw new IpcRefusal(`arguments of ${channel} exceed ${MAX_ARGS_BYTES} bytes`);
      return await handlers[channel].apply({ sender }, args as unknown[]);
    } catch (e) {
      if (e instanceof IpcRefusal) refused(channel, e, sender);
      throw e;
    }
  };
}

export type Dispatch = ReturnType<typeof createRouter>;
