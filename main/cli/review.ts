import { parseArgs } from 'node:util';
import { haloforgeHome } from '../core/paths';
import { CommandFailed, openCore } from './core-client';
import { UsageError, json, type Output } from './usage';

export const REVIEW_USAGE = [
  'haloforge grants [--plugin <plugin-id>]',
  'haloforge revoke <grant-id>',
  'haloforge narrow <grant-id> --to day|read',
  'haloforge audit [--plugin <plugin-id>] [--decision allow|deny] [--since <ISO time>] [--until <ISO time>]',
];

function isoTime(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(new Date(value).getTime())) throw new UsageError(`--${what} needs an ISO time such as 2026-11-25T10:00:00Z`);
  return value;
}

/** What a reviewer reads and changes of the user's answers, and the audit trail, as JSON. */
export async function reviewCommand(name: string, argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { plugin: { type: 'string' }, decision: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, to: { type: 'string' } },
  });
  if (name === 'audit' && values.decision !== undefined && values.decision !== 'allow' && values.decision !== 'deny') throw new UsageError('--decision is allow or deny');
  if ((name === 'revoke' || name === 'narrow') && !positionals[0]) throw new UsageError(`${name} needs a grant id (see haloforge grants)`);
  if (name === 'narrow' && values.to !== 'day' && values.to !== 'read') throw new UsageError('narrow needs --to day (24 hours from now) or --to read (read-only)');
  const since = isoTime(values.since, 'since');
  const until = isoTime(values.until, 'until');
  const core = await openCore(haloforgeHome(), ['haloforge', name, ...argv].join(' '));
  try {
    switch (name) {
      case 'grants':
        io.out(json(await core.call('hf:grants:list', ...(values.plugin === undefined ? [] : [values.plugin]))));
        return 0;
      case 'revoke': {
        const revoked = await core.call('hf:grants:revoke', positionals[0] as string);
        if (!revoked) throw new CommandFailed(`Not found: no grant ${positionals[0]}`);
        io.out(json({ revoked }));
        return 0;
      }
      case 'narrow': {
        const narrowed = await core.call('hf:grants:narrow', positionals[0] as string, values.to as 'day' | 'read');
        if (!narrowed) throw new CommandFailed(`Not found: no grant ${positionals[0]}`);
        io.out(json({ narrowed }));
        return 0;
      }
      case 'audit': {
        const decision = values.decision as 'allow' | 'deny' | undefined;
        io.out(json(await core.call('hf:audit:query', { pluginId: values.plugin, decision, since, until })));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${name}'`);
    }
  } finally {
    await core.close();
  }
}
