import type { AuditEntry, AuditQuery } from '../audit/entry';
import type { AuditFilter, AuditRecord } from '../audit/records';
import type { LogRecord } from '../log/record';
import type { Manifest } from '../manifest/validate';
import type { InstallOptions, InstallPreview } from '../plugins/install-types';
import type { SettingsSchema } from '../plugins/settings-schema';
import type { Grant, Narrowing } from '../grants/grant-types';
import type { Lasting } from '../grants/terms';
import type { UserGrantResult } from '../files/user-grant-types';
import type { PluginSummary } from '../plugins/summary-types';
import type { PermissionPrompt, PromptAnswer } from '../prompts/prompt-types';
import type { StepType } from '../workflows/step-types';
import type { FileDialogRequest, FolderListing } from '../dialogs/dialog-types';
import type { WorkflowDraft, WorkflowRun, WorkflowView } from '../workflows/workflow-types';

/** The audit query as it travels: dates as ISO strings. */
export type AuditQueryWire = Omit<AuditQuery, 'since' | 'until'> & { since?: string; until?: string };

/**
 * The one table of what panels may ask of main. Electron IPC and the web host's WebSocket are
 * both carriers of it; every channel is prefixed `hf:`.
 */
export interface Channels {
  /** Answers with what it is given: a liveness check for panels, and the baseline of the benchmarks. */
  'hf:host:ping': { args: [value: unknown]; result: unknown };
  'hf:plugins:list': { args: []; result: PluginSummary[] };
  /**
   * Calls a plugin command by its wire name with its arguments as JSON text; the answer comes as the
   * plugin wrote it (main parses neither). `timeoutMs` shortens the host's own budget for it.
   */
  'hf:plugin:invoke': { args: [wireName: string, argsJson: string, timeoutMs?: number]; result: unknown };
  /** A plugin's manifest as installed (what `haloforge show` prints), or null. */
  'hf:plugins:manifest': { args: [pluginId: string]; result: Manifest | null };
  'hf:plugins:restart': { args: [pluginId: string]; result: PluginSummary };
  'hf:plugins:set-local-network': { args: [pluginId: string, on: boolean]; result: PluginSummary };
  'hf:prompts:list': { args: []; result: PermissionPrompt[] };
  'hf:prompts:answer': { args: [promptId: string, answer: PromptAnswer]; result: boolean };
  /** Gives every prompt of one plugin waiting now the same answer; says how many it answered. */
  'hf:prompts:answer-plugin': { args: [pluginId: string, answer: PromptAnswer]; result: number };
  'hf:grants:list': { args: [pluginId?: string]; result: Grant[] };
  'hf:grants:revoke': { args: [grantId: string]; result: Grant | null };
  /** Revokes every grant and denial of one plugin; says how many. */
  'hf:grants:revoke-plugin': { args: [pluginId: string]; result: number };
  /** A folder or file granted by hand (the command line): by its real path, mounted in the running sandbox at once. */
  'hf:grants:add-file': { args: [pluginId: string, path: string, write: boolean, lasts: 'once' | Lasting]; result: UserGrantResult };
  /** Shortens an "always" grant to 24 hours, or turns a folder grant for writing into one for reading. */
  'hf:grants:narrow': { args: [grantId: string, to: Narrowing]; result: Grant | null };
  'hf:audit:query': { args: [query: AuditQueryWire]; result: AuditEntry[] };
  /** The audit as records (a request's decision, hops and outcome together), filtered, newest first, a page at a time. */
  'hf:audit:records': { args: [filter: AuditFilter, offset: number, limit: number]; result: { total: number; records: AuditRecord[] } };
  /** Exactly the records a filter shows, as CSV (a line per record) or JSON lines (as the file holds them). */
  'hf:audit:export': { args: [filter: AuditFilter, format: 'csv' | 'jsonl']; result: string };
  'hf:install:preview': { args: [source: string, options?: InstallOptions]; result: InstallPreview };
  /** Installs, approving these keys; replacing an installed plugin needs `upgrade`. */
  'hf:install:confirm': { args: [source: string, approvedKeys: string[], options?: InstallOptions]; result: PluginSummary };
  'hf:plugins:set-enabled': { args: [pluginId: string, enabled: boolean]; result: PluginSummary };
  'hf:plugins:approve': { args: [pluginId: string, keys: string[]]; result: PluginSummary };
  'hf:plugins:set-restricted': { args: [pluginId: string, key: string, on: boolean]; result: PluginSummary };
  /** Takes back the approval of one Standard or Sensitive permission: the plugin stops and waits for it again. */
  'hf:plugins:revoke-approval': { args: [pluginId: string, key: string]; result: PluginSummary };
  /** Reads a plugin's folder again and starts it if it may run now (a manifest fixed, a library rebuilt). */
  'hf:plugins:check-again': { args: [pluginId: string]; result: PluginSummary };
  'hf:plugins:uninstall': { args: [pluginId: string, deleteData: boolean]; result: boolean };
  'hf:logs:tail': { args: [limit: number]; result: LogRecord[] };
  'hf:settings:get': { args: [pluginId: string]; result: { schema: SettingsSchema | null; values: Record<string, unknown> } };
  'hf:settings:save': { args: [pluginId: string, values: Record<string, unknown>]; result: Record<string, unknown> };
  'hf:app:theme-changed': { args: [theme: 'light' | 'dark']; result: boolean };
  /** Installs a Rust toolchain with rustup (what a plugin built by another compiler needs), when the user asks. */
  'hf:toolchain:install': { args: [name: string]; result: { ok: boolean; output: string } };
  /**
   * A call from a plugin's frame (contract §3.4), forwarded by the panel that holds the frame, which
   * names the plugin by the frame the message came from; main answers it as that plugin only.
   */
  'hf:frame:call': { args: [pluginId: string, command: string, args: unknown]; result: unknown };
  /** The file dialogs plugin frames opened, waiting for the user. */
  'hf:dialogs:list': { args: []; result: FileDialogRequest[] };
  /** Lists a folder for an open file dialog. */
  'hf:dialogs:browse': { args: [path: string]; result: FolderListing };
  /** The user chose a path (granted to the plugin that asked, until HaloForge quits or always) or cancelled (null). */
  'hf:dialogs:answer': { args: [dialogId: string, path: string | null, lasts?: 'session' | 'always']; result: boolean };
  /** Every workflow step type the active plugins registered. */
  'hf:workflows:step-types': { args: []; result: StepType[] };
  'hf:workflows:list': { args: []; result: WorkflowView[] };
  /** Saves a new workflow (no id) or replaces one; refused while any step does not fit its type. */
  'hf:workflows:save': { args: [draft: WorkflowDraft]; result: WorkflowView };
  'hf:workflows:delete': { args: [workflowId: string]; result: boolean };
  /** Runs a workflow (by id, or by its name) to its end; progress arrives as hf:event:workflow-run. */
  'hf:workflows:run': { args: [workflow: string]; result: WorkflowRun };
}

export type ChannelName = keyof Channels;

/** Events main pushes to panels. */
export interface Events {
  'hf:event:plugin-changed': PluginSummary;
  'hf:event:notification': { pluginId: string; title: string; message: string; kind: string };
  'hf:event:prompts': PermissionPrompt[];
  'hf:event:audit': AuditEntry;
  'hf:event:grants': Grant[];
  'hf:event:log': LogRecord;
  'hf:event:plugin-removed': { pluginId: string };
  'hf:event:plugin-event': { pluginId: string; name: string; payload: unknown };
  /** A workflow run started, moved on a step, or ended. */
  'hf:event:workflow-run': WorkflowRun;
  'hf:event:workflows-changed': null;
  'hf:event:dialogs': FileDialogRequest[];
}

export type EventName = keyof Events;

export const CHANNELS: readonly ChannelName[] = [
  'hf:host:ping',
  'hf:plugins:list',
  'hf:plugins:manifest',
  'hf:toolchain:install',
  'hf:plugin:invoke',
  'hf:plugins:restart',
  'hf:plugins:set-local-network',
  'hf:prompts:list',
  'hf:prompts:answer',
  'hf:prompts:answer-plugin',
  'hf:grants:list',
  'hf:grants:revoke',
  'hf:grants:revoke-plugin',
  'hf:grants:add-file',
  'hf:grants:narrow',
  'hf:audit:query',
  'hf:audit:records',
  'hf:audit:export',
  'hf:install:preview',
  'hf:install:confirm',
  'hf:plugins:set-enabled',
  'hf:plugins:approve',
  'hf:plugins:set-restricted',
  'hf:plugins:revoke-approval',
  'hf:plugins:check-again',
  'hf:plugins:uninstall',
  'hf:logs:tail',
  'hf:settings:get',
  'hf:settings:save',
  'hf:app:theme-changed',
  'hf:frame:call',
  'hf:dialogs:list',
  'hf:dialogs:browse',
  'hf:dialogs:answer',
  'hf:workflows:step-types',
  'hf:workflows:list',
  'hf:workflows:save',
  'hf:workflows:delete',
  'hf:workflows:run',
];
export const EVENTS: readonly EventName[] = [
  'hf:event:plugin-changed',
  'hf:event:plugin-removed',
  'hf:event:plugin-event',
  'hf:event:notification',
  'hf:event:prompts',
  'hf:event:audit',
  'hf:event:grants',
  'hf:event:log',
  'hf:event:workflow-run',
  'hf:event:workflows-changed',
  'hf:event:dialogs',
];
