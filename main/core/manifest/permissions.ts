/**
 * Every permission type of the plugin contract (contract §2.5) with its tier, the kind of value it
 * takes and the description a user is shown. Unknown types are refused, as the real validators do.
 */
export type Tier = 'Transparent' | 'Standard' | 'Sensitive' | 'Restricted';
export type ValueKind = 'none' | 'string' | 'string-array';

interface PermissionType {
  tier: Tier;
  value: ValueKind;
  describe: (value: unknown) => string;
}

const fixed = (tier: Tier, text: string): PermissionType => ({ tier, value: 'none', describe: () => text });

export const PERMISSION_TYPES: Readonly<Record<string, PermissionType>> = {
  database_read_all: fixed('Standard', 'Read all app data'),
  database_read: { tier: 'Standard', value: 'string', describe: (v) => `Read table: ${String(v)}` },
  database_write: { tier: 'Restricted', value: 'string', describe: (v) => `Write to table: ${String(v)}` },
  database_create_tables: fixed('Transparent', 'Create plugin-owned database tables'),
  filesystem_read: fixed('Sensitive', 'Read files from your filesystem'),
  filesystem_read_app_data: fixed('Sensitive', 'Read files in the app data directory'),
  filesystem_write: fixed('Sensitive', 'Write files to your filesystem'),
  filesystem_write_app_data: fixed('Sensitive', 'Write files in the app data directory'),
  network_http: fixed('Sensitive', 'Make outbound HTTP requests to any public host (confirmed per host on first use)'),
  network_http_domain: { tier: 'Standard', value: 'string', describe: (v) => `Make HTTP requests to: ${String(v)}` },
  ipc_register: fixed('Standard', 'Register new app commands'),
  events_emit: fixed('Standard', 'Emit app events'),
  events_listen: fixed('Transparent', 'Listen to app lifecycle events'),
  ui_inject: fixed('Transparent', 'Inject UI components'),
  process_spawn: fixed('Restricted', 'Spawn arbitrary child processes'),
  process_spawn_whitelist: { tier: 'Sensitive', value: 'string-array', describe: (v) => `Spawn processes: ${(v as string[]).join(', ')}` },
  notifications: fixed('Transparent', 'Show desktop notifications'),
  clipboard_read: fixed('Sensitive', 'Read the clipboard'),
  clipboard_write: fixed('Sensitive', 'Write to the clipboard'),
  host_navigation: fixed('Standard', 'Navigate within HaloForge'),
  host_app_state_read: fixed('Transparent', 'Read HaloForge UI state'),
  host_file_intents: fixed('Standard', 'Receive file-open intents from HaloForge'),
  host_file_dialogs: fixed('Standard', 'Open HaloForge file and directory dialogs'),
  host_file_watch: fixed('Standard', 'Watch files for changes through HaloForge'),
  host_aichat_access: fixed('Standard', 'Use HaloForge AI models and chat transport'),
  host_enterprise_gateway_access: fixed('Standard', 'Use HaloForge managed image gateway through the host session'),
  host_deep_links: fixed('Standard', 'Receive HaloForge deep links routed to this plugin'),
  host_theme_read: fixed('Transparent', 'Read HaloForge theme tokens'),
  host_event_subscribe: fixed('Standard', 'Subscribe to HaloForge host events'),
  app_config_read: fixed('Transparent', 'Read app configuration (theme, language)'),
};

/** The legacy spelling serde produced for `HostAIChatAccess`; refused with a hint, as upstream does. */
export const LEGACY_AICHAT = 'host_a_i_chat_access';

export interface DescribedPermission {
  type: string;
  value?: unknown;
  /** Stable identity of this permission in approvals: `type` or `type:value`. */
  key: string;
  tier: Tier;
  description: string;
}

export function permissionKey(p: { type: string; value?: unknown }): string {
  if (p.value === undefined || p.value === null) return p.type;
  return `${p.type}:${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)}`;
}

/** Tier and description of a permission already validated. */
export function describePermission(p: { type: string; value?: unknown }): DescribedPermission {
  const t = PERMISSION_TYPES[p.type];
  if (!t) throw new Error(`unknown permission type ${p.type}`);
  return { type: p.type, ...(p.value === undefined ? {} : { value: p.value }), key: permissionKey(p), tier: t.tier, description: t.describe(p.value) };
}
