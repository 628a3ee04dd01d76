import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemResolver } from '../core/broker/resolver';
import { parseManifest } from '../core/manifest/read';
import { decide, type NetworkGrant } from '../core/policy/engine';
import { parseRequestUrl } from '../core/policy/request-url';
import { UsageError, json, type Output } from './usage';

export const POLICY_USAGE =
  'haloforge policy check --manifest <manifest.json> --url <url> [--method GET] [--grants <grants.json>] [--resolve host=ip]... [--local-network]';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
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
  const grantsFile = values.grants ? (readJson(values.grants, 'grants file') as { grants?: NetworkGrant[] }) : { grants: [] };
  const answers = new Map<string, string[]>();
  for (const r of values.resolve) {
    const [name, ip] = r.split('=');
    if (!name || !ip) throw new UsageError(`--resolve takes host=ip, not ${r}`);
    answers.set(name.toLowerCase(), [...(answers.get(name.toLowerCase()) ?? []), ip]);
  }
  const input = {
    pluginId: manifest.id,
    permissions: manifest.permissions,
    grants: grantsFile.grants ?? [],
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
