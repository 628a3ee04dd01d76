import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Grant } from '../core/grants/grant-types';
import { haloforgeHome } from '../core/paths';
import type { PermissionState } from '../core/plugins/approvals';
import { describeUpgrade } from '../core/plugins/installer';
import type { PluginSummary } from '../core/plugins/summary-types';
import { CommandFailed, openCore, type CoreClient, type StartWhat } from './core-client';
import { UsageError, json, type Output } from './usage';

export const PLUGIN_USAGE = [
  'haloforge list [--json]',
  'haloforge show <plugin-id> [--json]',
  'haloforge install <folder|file.hfpkg> [--yes | --approve <permission-key>]... [--upgrade] [--sha256 <digest>] [--json]',
  'haloforge uninstall <plugin-id> [--delete-data]',
  'haloforge enable|disable <plugin-id>',
  'haloforge approve <plugin-id> [--yes | --approve <permission-key>]...',
  'haloforge restricted <plugin-id> <permission-key> on|off',
];

/** A plugin as `list --json` prints it (the original's `plugin list --json`, plus tiers, grants and the sandbox's proof). */
function record(p: PluginSummary, grants: Grant[]) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    enabled: p.enabled,
    state: p.state,
    error_message: p.error,
    permissions: p.permissions.map((s) => ({ type: s.type, ...(s.value === undefined ? {} : { value: s.value }), tier: s.tier, description: s.description, status: s.status })),
    grants,
    local_network: p.localNetwork,
    sandbox: p.sandbox,
    install_source: p.installSource,
    install_date: p.installDate,
    update_date: p.updateDate,
    plugin_dir: p.dir,
  };
}

function permissionLines(perms: readonly PermissionState[]): string {
  return perms.map((p) => `  ${p.tier.padEnd(11)} ${p.key.padEnd(40)} ${p.description} [${p.status}]`).join('\n');
}

/** Asks on the terminal; without one, the answer is no and the user is told how to say yes. */
async function confirm(io: Output, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
    io.err('');
  }
}

/** The permission keys the user approves: all pending ones, those named, or what they say on the terminal. */
async function chooseApproval(io: Output, id: string, pending: PermissionState[], yes: boolean, keys: string[], what: 'installed' | 'approved'): Promise<string[]> {
  if (yes) return pending.map((p) => p.key);
  if (keys.length > 0) return keys;
  if (pending.length === 0) return [];
  io.err(`${id} asks for these permissions:\n${permissionLines(pending)}\n`);
  if (!process.stdin.isTTY) {
    throw new CommandFailed(`haloforge: ${id} was not ${what}: its permissions need your approval and there is no terminal to ask on. Run it again with --yes to approve them all, or --approve <key> for each (${pending.map((p) => p.key).join(', ')}).`);
  }
  if (await confirm(io, 'Approve them?')) return pending.map((p) => p.key);
  return [];
}

/** What `install` says without --json: what was installed, whether it runs, and what it may do. */
function installSummary(p: PluginSummary, from: string | undefined): string {
  const granted = p.permissions.filter((s) => s.status === 'granted').map((s) => s.key);
  const off = p.permissions.filter((s) => s.status === 'off').map((s) => s.key);
  const lines = [
    `${from ? `upgraded ${p.name} (${p.id}) from ${from} to ${p.version}` : `installed ${p.name} (${p.id}) ${p.version}`}: ${p.state}${p.error ? ` — ${p.error}` : ''}`,
    `  may use: ${granted.join(', ') || 'nothing beyond its own folder'}`,
    ...(p.needsApproval.length ? [`  waiting for your approval of: ${p.needsApproval.map((s) => s.key).join(', ')} (haloforge approve ${p.id})`] : []),
    ...(off.length ? [`  Restricted, off: ${off.join(', ')} (haloforge restricted ${p.id} <key> on)`] : []),
    `  details: haloforge show ${p.id} --json`,
  ];
  return `${lines.join('\n')}\n`;
}

function requireId(id: string | undefined, command: string): string {
  if (!id) throw new UsageError(`${command} needs a plugin id`);
  return id;
}

async function summaryOf(core: CoreClient, id: string): Promise<PluginSummary> {
  const p = (await core.call('hf:plugins:list')).find((x) => x.id === id);
  if (!p) throw new CommandFailed(`no plugin ${id} is installed`);
  return p;
}

async function printed(core: CoreClient, p: PluginSummary): Promise<string> {
  return json(record(p, await core.call('hf:grants:list', p.id)));
}

export async function pluginCommand(name: string, argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      approve: { type: 'string', multiple: true, default: [] },
      'delete-data': { type: 'boolean', default: false },
      upgrade: { type: 'boolean', default: false },
      sha256: { type: 'string' },
    },
  });
  const [first, second, third] = positionals;
  // Listing shows what runs: without an app, this command starts the plugins to show their state and proof.
  const needs: StartWhat = name === 'list' ? { start: 'all' } : { start: 'none' };
  const core = await openCore(haloforgeHome(), ['haloforge', name, ...argv].join(' '), needs);
  try {
    switch (name) {
      case 'list': {
        const all = await core.call('hf:plugins:list');
        if (values.json) {
          const records = [];
          for (const p of all) records.push(record(p, await core.call('hf:grants:list', p.id)));
          io.out(json(records));
        } else {
          for (const p of all) {
            const sandbox = p.sandbox.state === 'unconfined' ? 'UNCONFINED' : p.sandbox.state;
            io.out(`${p.id} ${p.version} ${p.enabled ? 'enabled' : 'disabled'} ${p.state} ${sandbox}${p.error ? ` — ${p.error}` : ''}${p.needsApproval.length ? ` — waiting for approval of ${p.needsApproval.length} permission(s)` : ''}\n`);
          }
        }
        return 0;
      }
      case 'show': {
        const p = await summaryOf(core, requireId(first, 'show'));
        if (values.json) io.out(json({ ...record(p, await core.call('hf:grants:list', p.id)), manifest: await core.call('hf:plugins:manifest', p.id) }));
        else io.out(`${p.name} (${p.id}) ${p.version}\n${p.description}\npermissions:\n${permissionLines(p.permissions) || '  none'}\n`);
        return 0;
      }
      case 'install': {
        const source = first;
        if (!source) throw new UsageError('install needs a folder or an .hfpkg file');
        const options = { upgrade: values.upgrade, ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }) };
        const preview = await core.call('hf:install:preview', source, options);
        if (preview.upgrade) io.err(`${preview.manifest.id}: upgrade: ${describeUpgrade(preview.upgrade)}\n`);
        const pending = preview.permissions.filter((p) => p.status === 'needs-approval');
        const keys = await chooseApproval(io, preview.manifest.id, pending, values.yes, values.approve, 'installed');
        const installed = await core.call('hf:install:confirm', source, keys, options);
        io.out(values.json ? await printed(core, installed) : installSummary(installed, preview.upgrade?.fromVersion));
        return 0;
      }
      case 'uninstall':
        await core.call('hf:plugins:uninstall', requireId(first, 'uninstall'), values['delete-data']);
        io.out(json({ uninstalled: first, data_deleted: values['delete-data'] }));
        return 0;
      case 'enable':
      case 'disable':
        io.out(await printed(core, await core.call('hf:plugins:set-enabled', requireId(first, name), name === 'enable')));
        return 0;
      case 'approve': {
        const id = requireId(first, 'approve');
        const p = await summaryOf(core, id);
        const keys = await chooseApproval(io, id, p.needsApproval, values.yes, values.approve, 'approved');
        if (keys.length === 0) throw new CommandFailed(`nothing approved; ${id} is still waiting for: ${p.needsApproval.map((x) => x.key).join(', ')} (use --yes to approve them all)`);
        io.out(await printed(core, await core.call('hf:plugins:approve', id, keys)));
        return 0;
      }
      case 'restricted': {
        if (!first || !second || (third !== 'on' && third !== 'off')) throw new UsageError('restricted needs a plugin id, a permission key and on or off');
        io.out(await printed(core, await core.call('hf:plugins:set-restricted', first, second, third === 'on')));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${name}'`);
    }
  } finally {
    await core.close();
  }
}
