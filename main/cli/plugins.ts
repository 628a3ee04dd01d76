import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createHost, type Host } from '../core/host';
import type { PermissionState } from '../core/plugins/approvals';
import { describeUpgrade, InstallError, type Approval } from '../core/plugins/installer';
import type { PluginSummary } from '../core/plugins/manager';
import { haloforgeHome } from '../core/paths';
import { UsageError, json, type Output } from './usage';

export const PLUGIN_USAGE = [
  'haloforge list [--json]',
  'haloforge show <plugin-id> [--json]',
  'haloforge install <folder|file.hfpkg> [--yes | --approve <permission-key>]... [--upgrade] [--sha256 <digest>]',
  'haloforge uninstall <plugin-id> [--delete-data]',
  'haloforge enable|disable <plugin-id>',
  'haloforge approve <plugin-id> [--yes | --approve <permission-key>]...',
  'haloforge restricted <plugin-id> <permission-key> on|off',
];

/** A plugin as `list --json` prints it (the original's `plugin list --json`, plus tiers and grants). */
function record(host: Host, p: PluginSummary) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    enabled: p.enabled,
    state: p.state,
    error_message: p.error,
    permissions: p.permissions.map((s) => ({ type: s.type, ...(s.value === undefined ? {} : { value: s.value }), tier: s.tier, description: s.description, status: s.status })),
    grants: host.grants.list(p.id),
    local_network: host.grants.localNetwork(p.id),
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

async function withHost<T>(work: (host: Host) => Promise<T>): Promise<T> {
  const host = createHost({ home: haloforgeHome() });
  host.plugins.discover();
  try {
    return await work(host);
  } finally {
    await host.shutdown();
  }
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

async function chooseApproval(io: Output, id: string, pending: PermissionState[], yes: boolean, keys: string[]): Promise<Approval> {
  if (yes) return 'all';
  if (keys.length > 0) return keys;
  if (pending.length === 0) return 'none';
  io.err(`${id} asks for these permissions:\n${permissionLines(pending)}\n`);
  if (await confirm(io, 'Approve them?')) return 'all';
  return 'none';
}

function requireId(id: string | undefined, command: string): string {
  if (!id) throw new UsageError(`${command} needs a plugin id`);
  return id;
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
  return withHost(async (host) => {
    switch (name) {
      case 'list': {
        await host.plugins.startAll();
        const all = host.plugins.list();
        if (values.json) io.out(json(all.map((p) => record(host, p))));
        else for (const p of all) io.out(`${p.id} ${p.version} ${p.enabled ? 'enabled' : 'disabled'} ${p.state} ${p.sandbox.state === 'unconfined' ? 'UNCONFINED' : p.sandbox.state}${p.error ? ` — ${p.error}` : ''}${p.needsApproval.length ? ` — waiting for approval of ${p.needsApproval.length} permission(s)` : ''}\n`);
        return 0;
      }
      case 'show': {
        const p = host.plugins.get(requireId(first, 'show'));
        if (!p) throw new InstallError(`no plugin ${first} is installed`);
        if (values.json) io.out(json({ ...record(host, p), manifest: host.plugins.manifestOf(p.id) ?? null }));
        else io.out(`${p.name} (${p.id}) ${p.version}\n${p.description}\npermissions:\n${permissionLines(p.permissions) || '  none'}\n`);
        return 0;
      }
      case 'install': {
        const source = first;
        if (!source) throw new UsageError('install needs a folder or an .hfpkg file');
        const options = { upgrade: values.upgrade, ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }) };
        const preview = host.installer.preview(source, options);
        if (preview.upgrade) io.err(`${preview.manifest.id}: upgrade: ${describeUpgrade(preview.upgrade)}\n`);
        const pending = preview.permissions.filter((p) => p.status === 'needs-approval');
        const approval = await chooseApproval(io, preview.manifest.id, pending, values.yes, values.approve);
        const installed = await host.installer.install(source, approval, options);
        io.out(json(record(host, installed)));
        return 0;
      }
      case 'uninstall':
        await host.installer.uninstall(requireId(first, 'uninstall'), { deleteData: values['delete-data'] });
        io.out(json({ uninstalled: first, data_deleted: values['delete-data'] }));
        return 0;
      case 'enable':
      case 'disable':
        io.out(json(record(host, await host.plugins.setEnabled(requireId(first, name), name === 'enable'))));
        return 0;
      case 'approve': {
        const id = requireId(first, 'approve');
        const p = host.plugins.get(id);
        if (!p) throw new InstallError(`no plugin ${id} is installed`);
        const approval = await chooseApproval(io, id, p.needsApproval, values.yes, values.approve);
        if (approval === 'none') throw new InstallError(`nothing approved; ${id} is still waiting for: ${p.needsApproval.map((x) => x.key).join(', ')} (use --yes to approve them all)`);
        io.out(json(record(host, await host.plugins.approve(id, approval))));
        return 0;
      }
      case 'restricted': {
        if (!first || !second || (third !== 'on' && third !== 'off')) throw new UsageError('restricted needs a plugin id, a permission key and on or off');
        io.out(json(record(host, await host.plugins.setRestricted(first, second, third === 'on'))));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${name}'`);
    }
  });
}
