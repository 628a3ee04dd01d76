import type { AuditEntry } from '../main/core/audit/entry';
import type { AuditFilter, AuditKind, AuditOutcome, AuditRecord } from '../main/core/audit/records';
import type { LogRecord } from '../main/core/log/record';
import type { PermissionState } from '../main/core/plugins/approvals';
import type { InstallOptions, InstallPreview } from '../main/core/plugins/install-types';
import type { PropertySchema, SettingsSchema } from '../main/core/plugins/settings-schema';
import type { AuditQueryWire, ChannelName, Channels, EventName, Events } from '../main/core/ipc/channels';
import type { Denial, FileGrant, Grant, Narrowing } from '../main/core/grants/grant-types';
import type { NetworkGrant } from '../main/core/policy/engine';
import type { PluginSummary } from '../main/core/plugins/summary-types';
import type { PermissionPrompt, PromptAnswer } from '../main/core/prompts/prompt-types';
import type { ConfigProperty, ConfigSchema } from '../main/core/workflows/config-schema';
import type { FileDialogRequest, FolderListing } from '../main/core/dialogs/dialog-types';
import type { StepType } from '../main/core/workflows/step-types';
import type { StepRun, WorkflowDraft, WorkflowRun, WorkflowStep, WorkflowView } from '../main/core/workflows/workflow-types';
import { wireName } from '../main/core/wire';

// The pure rules panels apply themselves (names, forms, problems), from the one place main has them:
// the renderer imports the preload API and nothing else of main.
export { wireName } from '../main/core/wire';
export { isSecret } from '../main/core/plugins/settings-schema';
export { configDefaults, configProblems } from '../main/core/workflows/config-schema';
export { WEB_PANEL_HOST } from '../main/core/frontends/frame-document';
export { grantScope } from '../main/core/grants/grant-types';
export type { EventName, Events };

export type { PropertySchema, SettingsSchema };
export type { FileDialogRequest, FolderListing };
export type { AuditFilter, AuditKind, AuditOutcome, AuditRecord };
export type { ConfigProperty, ConfigSchema, StepRun, StepType, WorkflowDraft, WorkflowRun, WorkflowStep, WorkflowView };
export type { AuditEntry, AuditQueryWire, Denial, FileGrant, Grant, InstallOptions, InstallPreview, LogRecord, NetworkGrant, PermissionPrompt, PermissionState, PluginSummary, PromptAnswer };

/**
 * What panels get as `window.haloforge`: from the preload under Electron, from the web bridge in
 * the web host. Declared once; both build it with `makeApi` over their own carrier.
 */
export interface HaloForgeApi {
  /** Answers with its argument: is main there? */
  ping(value?: unknown): Promise<unknown>;
  listPlugins(): Promise<PluginSummary[]>;
  /** Calls a plugin command by its short name; the wire name is built in one place (main/core/wire). */
  invokePlugin(pluginId: string, command: string, args?: unknown): Promise<unknown>;
  restartPlugin(pluginId: string): Promise<PluginSummary>;
  setLocalNetwork(pluginId: string, on: boolean): Promise<PluginSummary>;
  listPrompts(): Promise<PermissionPrompt[]>;
  answerPrompt(promptId: string, answer: PromptAnswer): Promise<boolean>;
  /** Gives every waiting prompt of one plugin the same answer; resolves with how many. */
  answerPromptsOf(pluginId: string, answer: PromptAnswer): Promise<number>;
  listGrants(pluginId?: string): Promise<Grant[]>;
  revokeGrant(grantId: string): Promise<Grant | null>;
  /** Revokes every grant and denial of one plugin; resolves with how many. */
  revokeGrantsOf(pluginId: string): Promise<number>;
  narrowGrant(grantId: string, to: Narrowing): Promise<Grant | null>;
  queryAudit(query?: AuditQueryWire): Promise<AuditEntry[]>;
  /** The audit as records, filtered, newest first, `limit` from `offset`. */
  auditRecords(filter: AuditFilter, offset: number, limit: number): Promise<{ total: number; records: AuditRecord[] }>;
  exportAudit(filter: AuditFilter, format: 'csv' | 'jsonl'): Promise<string>;
  /** Unpacks and checks a plugin folder or .hfpkg on this machine, without installing it. */
  previewInstall(source: string, options?: InstallOptions): Promise<InstallPreview>;
  /** Installs it, approving exactly these permission keys (and replacing an installed plugin with `upgrade`). */
  install(source: string, approvedKeys: string[], options?: InstallOptions): Promise<PluginSummary>;
  setEnabled(pluginId: string, enabled: boolean): Promise<PluginSummary>;
  approve(pluginId: string, keys: string[]): Promise<PluginSummary>;
  setRestricted(pluginId: string, key: string, on: boolean): Promise<PluginSummary>;
  /** Takes back one approved Standard or Sensitive permission: the plugin stops and waits for it again. */
  revokeApproval(pluginId: string, key: string): Promise<PluginSummary>;
  /** Reads a plugin's folder again and starts it if it may run now. */
  checkAgain(pluginId: string): Promise<PluginSummary>;
  uninstall(pluginId: string, deleteData: boolean): Promise<boolean>;
  tailLog(limit: number): Promise<LogRecord[]>;
  getSettings(pluginId: string): Promise<{ schema: SettingsSchema | null; values: Record<string, unknown> }>;
  saveSettings(pluginId: string, values: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Tells plugins the theme changed (their ThemeChanged subscriptions). */
  themeChanged(theme: 'light' | 'dark'): Promise<boolean>;
  /** Installs a Rust toolchain with rustup (for a plugin built by another compiler). */
  installToolchain(name: string): Promise<{ ok: boolean; output: string }>;
  listStepTypes(): Promise<StepType[]>;
  listWorkflows(): Promise<WorkflowView[]>;
  saveWorkflow(draft: WorkflowDraft): Promise<WorkflowView>;
  deleteWorkflow(workflowId: string): Promise<boolean>;
  /** Runs a workflow to its end; each step's progress also arrives as hf:event:workflow-run. */
  runWorkflow(workflowId: string): Promise<WorkflowRun>;
  /** Calls a host command for a plugin's frame (the panel names the plugin by the frame it heard). */
  frameCall(pluginId: string, command: string, args: unknown): Promise<unknown>;
  listDialogs(): Promise<FileDialogRequest[]>;
  browseFolder(path: string): Promise<FolderListing>;
  /** The user's pick (granted until HaloForge quits, or always) or null to cancel. */
  answerDialog(dialogId: string, path: string | null, lasts?: 'session' | 'always'): Promise<boolean>;
  /** The origin of a plugin's frames, from the label main gives in its summary (per shell). */
  frameOrigin(label: string): string;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Tells `watcher` the connection's state now and at every change. */
  watchConnection(watcher: (state: ConnectionState) => void): () => void;
}

/**
 * How the panels reach main: `connected`; `reconnecting` after losing it (calls fail at once, saying
 * so); `replaced` when the host answers but refuses this page's token (it was restarted).
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'replaced';

/** Calls that failed because the connection to main is lost or refused: the panels' banner says so, once. */
export const CONNECTION_ERROR = 'ConnectionError';
export const isConnectionError = (e: unknown): boolean => e instanceof Error && e.name === CONNECTION_ERROR;

export type Call = <C extends ChannelName>(channel: C, args: Channels[C]['args']) => Promise<Channels[C]['result']>;
export type Subscribe = <E extends EventName>(event: E, listener: (payload: Events[E]) => void) => () => void;

/** The API over any carrier: one function per channel, nothing generic exposed. */
export function makeApi(call: Call, subscribe: Subscribe, frameOrigin: (label: string) => string, watchConnection: HaloForgeApi['watchConnection']): HaloForgeApi {
  return {
    ping: (value) => call('hf:host:ping', [value ?? null]),
    listPlugins: () => call('hf:plugins:list', []),
    // Serialised here, where the value is, and parsed again only by the carrier that brings the answer.
    invokePlugin: (pluginId, command, args) => call('hf:plugin:invoke', [wireName(pluginId, command), JSON.stringify(args ?? {})]),
    restartPlugin: (pluginId) => call('hf:plugins:restart', [pluginId]),
    setLocalNetwork: (pluginId, on) => call('hf:plugins:set-local-network', [pluginId, on]),
    listPrompts: () => call('hf:prompts:list', []),
    answerPrompt: (promptId, answer) => call('hf:prompts:answer', [promptId, answer]),
    answerPromptsOf: (pluginId, answer) => call('hf:prompts:answer-plugin', [pluginId, answer]),
    listGrants: (pluginId) => call('hf:grants:list', pluginId === undefined ? [] : [pluginId]),
    revokeGrant: (grantId) => call('hf:grants:revoke', [grantId]),
    revokeGrantsOf: (pluginId) => call('hf:grants:revoke-plugin', [pluginId]),
    narrowGrant: (grantId, to) => call('hf:grants:narrow', [grantId, to]),
    queryAudit: (query) => call('hf:audit:query', [query ?? {}]),
    auditRecords: (filter, offset, limit) => call('hf:audit:records', [filter, offset, limit]),
    exportAudit: (filter, format) => call('hf:audit:export', [filter, format]),
    previewInstall: (source, options) => call('hf:install:preview', [source, options ?? {}]),
    install: (source, keys, options) => call('hf:install:confirm', [source, keys, options ?? {}]),
    setEnabled: (pluginId, enabled) => call('hf:plugins:set-enabled', [pluginId, enabled]),
    approve: (pluginId, keys) => call('hf:plugins:approve', [pluginId, keys]),
    setRestricted: (pluginId, key, on) => call('hf:plugins:set-restricted', [pluginId, key, on]),
    revokeApproval: (pluginId, key) => call('hf:plugins:revoke-approval', [pluginId, key]),
    checkAgain: (pluginId) => call('hf:plugins:check-again', [pluginId]),
    uninstall: (pluginId, deleteData) => call('hf:plugins:uninstall', [pluginId, deleteData]),
    tailLog: (limit) => call('hf:logs:tail', [limit]),
    getSettings: (pluginId) => call('hf:settings:get', [pluginId]),
    saveSettings: (pluginId, values) => call('hf:settings:save', [pluginId, values]),
    themeChanged: (theme) => call('hf:app:theme-changed', [theme]),
    installToolchain: (name) => call('hf:toolchain:install', [name]),
    listStepTypes: () => call('hf:workflows:step-types', []),
    listWorkflows: () => call('hf:workflows:list', []),
    saveWorkflow: (draft) => call('hf:workflows:save', [draft]),
    deleteWorkflow: (workflowId) => call('hf:workflows:delete', [workflowId]),
    runWorkflow: (workflowId) => call('hf:workflows:run', [workflowId]),
    frameCall: (pluginId, command, args) => call('hf:frame:call', [pluginId, command, args]),
    listDialogs: () => call('hf:dialogs:list', []),
    browseFolder: (path) => call('hf:dialogs:browse', [path]),
    answerDialog: (dialogId, path, lasts) => call('hf:dialogs:answer', lasts ? [dialogId, path, lasts] : [dialogId, path]),
    frameOrigin,
    on: subscribe,
    watchConnection,
  };
}
