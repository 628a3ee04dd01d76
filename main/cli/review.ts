import { parseArgs } from 'node:util';
import { AuditLog } from '../core/audit/log';
import { GrantStore } from '../core/grants/store';
import { haloforgeHome } from '../core/paths';
import { join } from 'node:path';
import { UsageError, json, type Output } from './usage';

export const REVIEW_USAGE = [
  'haloforge grants [--plugin <plugin-id>]',
  'haloforge revoke <grant-id>',
  'haloforge audit [--plugin <plugin-id>] [--decision allow|deny] [--since <ISO time>] [--until <ISO time>]',
];

function date(value: string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${what} needs an ISO time such as 2026-11-25T10:00:00Z`);
  return d;
}

/** What a reviewer reads without starting any plugin: grants and the audit trail, as JSON. */
export async function reviewCommand(name: string, argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { plugin: { type: 'string' }, decision: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
  });
  const home = haloforgeHome();
  switch (name) {
    case 'grants': {
      const grants = new GrantStore(join(home, 'grants.json'));
      if (grants.loadProblem) io.err(`${grants.loadProblem}\n`);
      io.out(json(grants.all(values.plugin)));
      return 0;
    }
    case 'revoke': {
      const id = positionals[0];
      if (!id) throw new UsageError('revoke needs a grant id (see haloforge grants)');
      const revoked = new GrantStore(join(home, 'grants.json')).revoke(id);
      if (!revoked) {
        io.err(`Not found: no grant ${id}\n`);
        return 1;
      }
      io.out(json({ revoked }));
      return 0;
    }
    case 'audit': {
      if (values.decision !== undefined && values.decision !== 'allow' && values.decision !== 'deny') throw new UsageError('--decision is allow or deny');
      const entries = new AuditLog(join(home, 'audit.jsonl')).query({ pluginId: values.plugin, decision: values.decision, since: date(values.since, 'since'), until: date(values.until, 'until') });
      io.out(json(entries));
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}
