import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemResolver } from '../core/broker/resolver';
import { parseGrantsFile } from '../core/grants/store';
import { holds } from '../core/grants/terms';
import { parseManifest } from '../core/manifest/read';
import { decide, type NetworkGrant } from '../core/policy/engine';
import { parseRequestUrl } from '../core/policy/request-url';
import { UsageError, json, type Output } from './usage';

export const POLICY_USAGE =
  'haloforge policy check --manifest <manifest.json> --url <url> [--method GET] [--grants <grants.json>] [--resolve host=ip]... [--local-network]';

/** The host grants in a grants.json that still hold, as the broker would see them. */
function networkGrantsIn(path: string): NetworkGrant[] {
  try {
    const now = new Date();
    return parseGrantsFile(readFileSync(path, 'utf8')).grants.filter((g): g is NetworkGrant => g.permission === 'network_http' && holds(g, now));
  } catch (e) {
    throw new UsageError(`cannot read the grants file ${path}: ${(e as Error).message}`);
  }
}

/**
 * Asks the policy engine what a plugin could reach, with the same pure function the broker uses.
 * `--resolve` stands in for DNS; without it the name is looked up.
 */
export async function policyCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      url: { type: 'string' },
      method: { type: 'string', default: 'GET' },
      grants: { type: 'string' },
      resolve: { type: 'string', multiple: true, default: [] },
      'local-network': { type: 'boolean', default: false },
    },
  });
  if (positionals[0] !== 'check') throw new UsageError(`unknown policy command '${positionals[0] ?? ''}'`);
  if (!values.manifest || !values.url) throw new UsageError('policy check needs --manifest and --url');
  const parsed = parseManifest(readFileSync(values.manifest, 'utf8'));
  if (!parsed.ok) {
    io.err(`${values.manifest} is not a valid manifest:\n  ${parsed.errors.join('\n  ')}\n`);
    return 1;
  }
  const manifest = parsed.manifest;
  const grants = values.grants ? networkGrantsIn(values.grants) : [];
  const answers = new Map<string, string[]>();
  for (const r of values.resolve) {
    const [name, ip] = r.split('=');
    if (!name || !ip) throw new UsageError(`--resolve takes host=ip, not ${r}`);
    answers.set(name.toLowerCase(), [...(answers.get(name.toLowerCase()) ?? []), ip]);
  }
  const input = {
    pluginId: manifest.id,
    permissions: manifest.permissions,
    grants,
    localNetwork: values['local-network'],
    method: values.method,
    url: values.url,
  };
  const target = parseRequestUrl(values.url);
  let addresses: string[] | undefined;
  if (target.ok && !target.target.isIpLiteral && decide(input).decision !== 'deny') {
    addresses = answers.get(target.target.host) ?? (await systemResolver(target.target.host).catch(() => []));
  }
  const d = decide({ ...input, addresses });
  io.out(json({ decision: d.decision, reason: d.reason, rule: d.rule, ...('grantId' in d && d.grantId ? { grantId: d.grantId } : {}), addresses: addresses ?? null }));
  return 0;
}
