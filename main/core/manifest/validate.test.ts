import { describe, expect, it } from 'vitest';
import { describePermission } from './permissions';
import { compareSemver, validateManifest, type ValidationContext } from './validate';

const ctx: ValidationContext = { hostApiVersion: '0.2.18', appVersion: '0.8.0', platform: 'linux' };

const base = () => ({
  $schema: 'https://haloforge.dev/schemas/plugin/v1.json',
  id: 'dev.example.my-plugin',
  name: 'My Plugin',
  version: '0.1.0',
  description: 'A sample HaloForge plugin',
  author: 'Example',
  compatibility: { min_app_version: '0.8.0', min_host_api_version: '0.2.13', platforms: ['windows', 'macos', 'linux'] },
  capability_levels: [4],
  entry: { native: { linux_x64: 'native/libhf_my_plugin.so' } },
  permissions: [] as unknown[],
});

type Change = (m: Record<string, unknown> & ReturnType<typeof base>) => void;

// Each bad manifest: what is changed, and the message it must be refused with.
const bad: Array<[string, Change, string | RegExp]> = [
  ['not an object', (m) => Object.assign(m, { __replace: [] }), '$: manifest.json must hold a JSON object'],
  ['no id', (m) => delete (m as Partial<typeof m>).id, '$.id: required, a non-empty string'],
  ['empty id', (m) => (m.id = ''), '$.id: must be a non-empty string'],
  ['id with upper case', (m) => (m.id = 'Dev.Example.Plugin'), /\$\.id: "Dev\.Example\.Plugin" is not a reverse-DNS id/],
  ['id without a dot', (m) => (m.id = 'myplugin'), /\$\.id: "myplugin" is not a reverse-DNS id/],
  ['id with a slash', (m) => (m.id = 'dev.example/../x'), /\$\.id: .* is not a reverse-DNS id/],
  ['id with underscore', (m) => (m.id = 'dev.example.my_plugin'), /\$\.id: .* is not a reverse-DNS id/],
  ['id as a number', (m) => Object.assign(m, { id: 42 }), '$.id: must be a non-empty string'],
  ['no name', (m) => delete (m as Partial<typeof m>).name, '$.name: required, a non-empty string'],
  ['blank name', (m) => (m.name = '   '), '$.name: must be a non-empty string'],
  ['no description', (m) => delete (m as Partial<typeof m>).description, '$.description: required, a non-empty string'],
  ['no author', (m) => delete (m as Partial<typeof m>).author, '$.author: required, a non-empty string'],
  ['no version', (m) => delete (m as Partial<typeof m>).version, '$.version: required, a non-empty string'],
  ['version not semver', (m) => (m.version = '1.0'), '$.version: "1.0" is not a semver version (like 1.2.3)'],
  ['version with a v', (m) => (m.version = 'v1.0.0'), '$.version: "v1.0.0" is not a semver version (like 1.2.3)'],
  ['version with leading zero', (m) => (m.version = '01.0.0'), /\$\.version: "01\.0\.0" is not a semver/],
  ['no compatibility', (m) => delete (m as Partial<typeof m>).compatibility, '$.compatibility: required, an object'],
  ['compatibility not an object', (m) => Object.assign(m, { compatibility: '0.8.0' }), '$.compatibility: must be an object'],
  ['no min_app_version', (m) => (m.compatibility = { platforms: ['linux'] } as never), '$.compatibility.min_app_version: required, a non-empty string'],
  ['min_app_version too new', (m) => (m.compatibility.min_app_version = '0.9.0'), '$.compatibility.min_app_version: needs HaloForge 0.9.0; this host implements the plugin contract of 0.8.0'],
  ['max_app_version too old', (m) => Object.assign(m.compatibility, { max_app_version: '0.7.9' }), '$.compatibility.max_app_version: supports HaloForge up to 0.7.9; this host implements 0.8.0'],
  ['min_host_api_version too new', (m) => (m.compatibility.min_host_api_version = '0.3.0'), '$.compatibility.min_host_api_version: needs host API 0.3.0; this host provides 0.2.18'],
  ['min_host_api_version not semver', (m) => (m.compatibility.min_host_api_version = 'latest'), /min_host_api_version: "latest" is not a semver/],
  ['platforms without linux', (m) => (m.compatibility.platforms = ['windows', 'macos']), '$.compatibility.platforms: the plugin supports windows, macos, not linux'],
  ['unknown platform', (m) => (m.compatibility.platforms = ['linux', 'beos']), '$.compatibility.platforms[1]: "beos" is not one of windows, macos, linux'],
  ['empty platforms', (m) => (m.compatibility.platforms = []), '$.compatibility.platforms: must name at least one platform'],
  ['no capability_levels', (m) => delete (m as Partial<typeof m>).capability_levels, '$.capability_levels: required, a non-empty array of levels 0-4'],
  ['empty capability_levels', (m) => (m.capability_levels = []), '$.capability_levels: required, a non-empty array of levels 0-4'],
  ['capability level 5', (m) => (m.capability_levels = [5]), '$.capability_levels[0]: 5 is not a capability level 0-4'],
  ['capability level as text', (m) => Object.assign(m, { capability_levels: ['4'] }), '$.capability_levels[0]: "4" is not a capability level 0-4'],
  ['native path escaping', (m) => (m.entry.native.linux_x64 = '../../lib/evil.so'), '$.entry.native.linux_x64: "../../lib/evil.so" escapes the plugin folder'],
  ['native path absolute', (m) => (m.entry.native.linux_x64 = '/usr/lib/evil.so'), '$.entry.native.linux_x64: "/usr/lib/evil.so" must be relative to the plugin folder'],
  ['native path escaping in the middle', (m) => (m.entry.native.linux_x64 = 'native/../../evil.so'), '$.entry.native.linux_x64: "native/../../evil.so" escapes the plugin folder'],
  ['native path with backslashes', (m) => (m.entry.native.linux_x64 = 'native\\lib.so'), '$.entry.native.linux_x64: "native\\lib.so" must use / separators and no NUL'],
  ['unknown native target', (m) => Object.assign(m.entry.native, { linux_riscv: 'x.so' }), '$.entry.native.linux_riscv: unknown target; use one of macos_arm64, macos_x64, windows_x64, windows_arm64, linux_x64, linux_arm64'],
  ['native library in the writable data folder', (m) => (m.entry.native.linux_x64 = 'data/libme.so'), '$.entry.native.linux_x64: "data/libme.so" is inside data/, the plugin\'s own writable folder, where nothing the host installs or loads may be'],
  ['frontend in the writable data folder', (m) => Object.assign(m.entry, { frontend: './data/ui.js' }), '$.entry.frontend: "./data/ui.js" is inside data/, the plugin\'s own writable folder, where nothing the host installs or loads may be'],
  ['frontend escaping', (m) => Object.assign(m.entry, { frontend: '../ui/index.js' }), '$.entry.frontend: "../ui/index.js" escapes the plugin folder'],
  ['icon escaping', (m) => Object.assign(m, { icon: '../../../etc/passwd' }), '$.icon: "../../../etc/passwd" escapes the plugin folder'],
  ['permissions not an array', (m) => Object.assign(m, { permissions: { type: 'network_http' } }), '$.permissions: must be an array'],
  ['permission without type', (m) => (m.permissions = [{ value: 'x' }]), '$.permissions[0]: must be an object with a string "type"'],
  ['unknown permission type', (m) => (m.permissions = [{ type: 'network_raw_socket' }]), "$.permissions[0].type: unknown permission type 'network_raw_socket'"],
  ['legacy notation', (m) => (m.permissions = [{ type: 'network:http' }]), "$.permissions[0].type: unknown permission type 'network:http'"],
  ['legacy AI chat name', (m) => (m.permissions = [{ type: 'host_a_i_chat_access' }]), "$.permissions[0].type: Invalid plugin permission 'host_a_i_chat_access'. Use 'host_aichat_access'."],
  ['network_http_domain without value', (m) => (m.permissions = [{ type: 'network_http_domain' }]), '$.permissions[0].value: network_http_domain needs a non-empty string value'],
  ['network_http_domain empty', (m) => (m.permissions = [{ type: 'network_http_domain', value: '' }]), '$.permissions[0].value: network_http_domain needs a non-empty string value'],
  ['network_http_domain IP literal', (m) => (m.permissions = [{ type: 'network_http_domain', value: '192.168.1.10' }]), /\$\.permissions\[0\]\.value: network_http_domain "192\.168\.1\.10" is an IP address/],
  ['network_http_domain URL', (m) => (m.permissions = [{ type: 'network_http_domain', value: 'https://api.example.com' }]), /network_http_domain "https:\/\/api\.example\.com" is a URL/],
  ['network_http_domain path', (m) => (m.permissions = [{ type: 'network_http_domain', value: 'api.example.com/v1' }]), /"api\.example\.com\/v1" is not a bare host name/],
  ['network_http with a value', (m) => (m.permissions = [{ type: 'network_http', value: 'api.example.com' }]), '$.permissions[0].value: network_http takes no value'],
  ['process_spawn_whitelist empty', (m) => (m.permissions = [{ type: 'process_spawn_whitelist', value: [] }]), '$.permissions[0].value: process_spawn_whitelist needs a non-empty array of executable names'],
  ['process_spawn_whitelist as text', (m) => (m.permissions = [{ type: 'process_spawn_whitelist', value: 'git' }]), '$.permissions[0].value: process_spawn_whitelist needs a non-empty array of executable names'],
  ['duplicate permission', (m) => (m.permissions = [{ type: 'network_http' }, { type: 'network_http' }]), '$.permissions[1]: permission network_http is listed twice'],
  ['unknown host capability', (m) => Object.assign(m, { host_capabilities: ['navigation', 'root_shell'] }), '$.host_capabilities[1]: "root_shell" is not one of navigation, app_state, file_intents, file_dialogs, file_watch, aichat, enterprise_gateway, deep_links, theme_read, event_subscribe'],
  ['command id with a dot', (m) => Object.assign(m, { commands: [{ id: 'md.open' }] }), '$.commands[0].id: "md.open" may hold only letters, digits and _ (it becomes part of a wire name)'],
  ['exported not a boolean', (m) => Object.assign(m, { commands: [{ id: 'ping', exported: 'yes' }] }), '$.commands[0].exported: must be true or false'],
  ['command without id', (m) => Object.assign(m, { commands: [{ description: 'x' }] }), '$.commands[0].id: required, a non-empty string'],
  ['level0 using a reserved module', (m) => Object.assign(m, { integration: { level0: { module_id: 'settings', module_label: 'S', module_icon: 'Cog', panel_entry: 'ui/index.js' } } }), '$.integration.level0.module_id: "settings" is reserved by the host'],
  ['level1 without tab_id', (m) => Object.assign(m, { integration: { level1: { parent_module: 'devkit', tab_label: 'T', tab_icon: 'X', panel_entry: 'ui.js' } } }), '$.integration.level1.tab_id: required, a non-empty string'],
  ['window with unknown open mode', (m) => Object.assign(m, { window: { default_open_mode: 'popup' } }), '$.window.default_open_mode: must be one of smart, current, new_window, reuse_existing, reuse_or_new'],
  ['document handler without types', (m) => Object.assign(m, { window: { document_handlers: [{ route: '/open' }] } }), '$.window.document_handlers[0]: needs extensions or mime_types'],
  ['document handler extension without dot', (m) => Object.assign(m, { window: { document_handlers: [{ route: '/o', extensions: ['MD'] }] } }), '$.window.document_handlers[0].extensions[0]: "MD" must be lower case and start with a dot'],
  ['settings_schema not an object', (m) => Object.assign(m, { settings_schema: 'none' }), '$.settings_schema: must be an object'],
  ['dependency without version', (m) => Object.assign(m, { dependencies: [{ id: 'dev.x.y' }] }), '$.dependencies[0].version: required, a non-empty string'],
];

/** Manifests shaped like the real plugins of contract §6. */
const real: Record<string, Record<string, unknown>> = {
  'hello template': {
    ...base(),
    id: 'dev.haloforge.hello',
    version: '0.2.3',
    capability_levels: [2],
    integration: { level2: { slots: ['devkit.toolbar'] } },
    entry: { native: { windows_x64: 'native/x86_64-pc-windows-msvc.dll', linux_x64: 'native/x86_64-unknown-linux-gnu.so' }, frontend: 'frontend/index.js', frontend_styles: 'frontend/style.css' },
    permissions: [{ type: 'ipc_register' }, { type: 'host_navigation' }, { type: 'host_theme_read' }],
    host_capabilities: ['navigation', 'theme_read'],
    commands: [{ id: 'hello_greet', description: 'Greets' }],
  },
  'image studio': {
    ...base(),
    id: 'dev.haloforge.image-studio',
    version: '0.1.13',
    capability_levels: [0],
    integration: { level0: { module_id: 'image-studio', module_label: 'Image Studio', module_icon: 'Image', sidebar_position: 'main', sidebar_order: 40, panel_entry: 'frontend/index.js' } },
    entry: { native: {} },
    permissions: ['host_navigation', 'host_theme_read', 'host_event_subscribe', 'host_enterprise_gateway_access', 'host_file_dialogs', 'filesystem_write', 'network_http'].map((type) => ({ type })),
    host_capabilities: ['navigation', 'theme_read', 'event_subscribe', 'enterprise_gateway', 'file_dialogs'],
  },
  markdown: {
    ...base(),
    id: 'dev.haloforge.markdown',
    version: '0.2.28',
    capability_levels: [0],
    window: { default_open_mode: 'smart', reuse_key: 'resource', allow_multiple: true, document_handlers: [{ id: 'md', label: 'Markdown', extensions: ['.md', '.markdown', '.mdown', '.mkd'], mime_types: ['text/markdown'], route: '/editor', resource_param: 'path' }] },
    permissions: ['ipc_register', 'filesystem_read', 'filesystem_write', 'database_create_tables', 'host_navigation', 'host_file_intents', 'host_file_dialogs', 'host_aichat_access', 'host_theme_read', 'host_event_subscribe', 'host_deep_links'].map((type) => ({ type })),
    host_capabilities: ['navigation', 'file_intents', 'file_dialogs', 'aichat', 'theme_read', 'event_subscribe', 'deep_links'],
  },
  git: {
    ...base(),
    id: 'dev.haloforge.git',
    version: '1.2.9',
    capability_levels: [1, 4],
    integration: { level1: { parent_module: 'devkit', tab_id: 'git', tab_label: 'Git', tab_icon: 'GitBranch', tab_position: 'after:snippet', panel_entry: 'frontend/index.js' }, level4: { workflow_step_types: ['git_pull', 'git_fetch', 'git_commit', 'git_checkout'] } },
    permissions: [{ type: 'ipc_register' }, { type: 'process_spawn_whitelist', value: ['git'] }, { type: 'filesystem_read' }, { type: 'database_create_tables' }, { type: 'events_emit' }, { type: 'events_listen' }, { type: 'host_file_dialogs' }],
    host_capabilities: ['file_dialogs'],
  },
  aireplay: {
    ...base(),
    id: 'dev.haloforge.aireplay',
    version: '0.2.2',
    compatibility: { min_app_version: '0.8.0', min_host_api_version: '0.2.10' },
    capability_levels: [0],
    window: { preferred_role: 'main' },
    permissions: ['ipc_register', 'filesystem_read', 'filesystem_write', 'database_create_tables', 'host_app_state_read', 'host_file_dialogs'].map((type) => ({ type })),
    host_capabilities: ['app_state', 'file_dialogs'],
  },
  'a network_http_domain plugin': { ...base(), permissions: [{ type: 'network_http_domain', value: 'api.example.com' }, { type: 'network_http_domain', value: '*.cdn.example.com:8443' }] },
};

describe('manifest validation', () => {
  it('has a corpus of at least 40 bad manifests', () => {
    expect(bad.length).toBeGreaterThanOrEqual(40);
  });

  it.each(bad)('refuses %s', (_name, change, message) => {
    const m = base() as Record<string, unknown> & ReturnType<typeof base>;
    change(m);
    const data = '__replace' in m ? m.__replace : m;
    const r = validateManifest(data, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });

  it.each(Object.entries(real))('accepts a manifest shaped like %s', (_name, manifest) => {
    expect(validateManifest(manifest, ctx)).toMatchObject({ ok: true });
  });

  it('reports every problem at once', () => {
    const r = validateManifest({ id: 'X', version: 'one', capability_levels: [9], permissions: [{ type: 'teleport' }] }, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.length).toBeGreaterThanOrEqual(7);
  });

  it('describes each permission with its tier', () => {
    expect(describePermission({ type: 'network_http_domain', value: 'api.example.com' })).toEqual({ type: 'network_http_domain', value: 'api.example.com', key: 'network_http_domain:api.example.com', tier: 'Standard', description: 'Make HTTP requests to: api.example.com' });
    expect(describePermission({ type: 'process_spawn_whitelist', value: ['git', 'p4'] })).toMatchObject({ tier: 'Sensitive', description: 'Spawn processes: git, p4', key: 'process_spawn_whitelist:["git","p4"]' });
    expect(describePermission({ type: 'process_spawn' }).tier).toBe('Restricted');
    expect(describePermission({ type: 'events_listen' }).tier).toBe('Transparent');
  });

  it('orders versions as semver does', () => {
    expect(compareSemver('0.2.18', '0.2.13')).toBeGreaterThan(0);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareSemver('0.10.0', '0.9.9')).toBeGreaterThan(0);
  });
});
