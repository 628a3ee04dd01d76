/**
 * `haloforge`: the command line for users and reviewers. It runs the same core as the app,
 * headless, against `$HALOFORGE_HOME`.
 */
import { createHost } from '../core/host';
import { haloforgeHome } from '../core/paths';

const USAGE = `usage: haloforge invoke <plugin-id> <command> [json-args] [--timeout <ms>]

  invoke   load the plugin from $HALOFORGE_HOME/plugins, call one of its commands,
           print the result as JSON and exit (0 on success, 1 on failure)`;

interface Parsed {
  positional: string[];
  timeoutMs: number | undefined;
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  let timeoutMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--timeout') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError('--timeout needs a positive number of milliseconds');
      timeoutMs = n;
    } else if (a === '--help' || a === '-h') {
      throw new UsageError('');
    } else {
      positional.push(a);
    }
  }
  return { positional, timeoutMs };
}

class UsageError extends Error {}

async function invoke(args: Parsed): Promise<number> {
  const [pluginId, command, json] = args.positional.slice(1);
  if (!pluginId || !command) throw new UsageError('invoke needs a plugin id and a command');
  let payload: unknown = {};
  if (json !== undefined) {
    try {
      payload = JSON.parse(json);
    } catch (e) {
      throw new UsageError(`json-args is not JSON: ${(e as Error).message}`);
    }
  }
  const host = createHost({ home: haloforgeHome(), invokeTimeoutMs: args.timeoutMs });
  host.plugins.discover();
  const plugin = host.plugins.get(pluginId);
  if (!plugin) {
    process.stderr.write(`Not found: no plugin ${pluginId} in ${host.layout.plugins}\n`);
    return 1;
  }
  await host.plugins.restart(pluginId);
  try {
    const result = await host.plugins.invoke(pluginId, command, payload);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    await host.shutdown();
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.positional[0]) {
      case 'invoke':
        return await invoke(args);
      default:
        throw new UsageError(args.positional[0] ? `unknown command '${args.positional[0]}'` : '');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `haloforge: ${e.message}\n\n` : ''}${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`haloforge: ${(e as Error).message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
