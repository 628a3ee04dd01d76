import { parseArgs } from 'node:util';
import { createHost } from '../core/host';
import { haloforgeHome } from '../core/paths';
import { UsageError, type Output } from './usage';

export const INVOKE_USAGE = 'haloforge invoke <plugin-id> <command> [json-args] [--timeout <ms>]';

/** Loads one plugin headless, calls one command, prints the result as JSON. */
export async function invokeCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { timeout: { type: 'string' } } });
  const [pluginId, command, json] = positionals;
  if (!pluginId || !command) throw new UsageError('invoke needs a plugin id and a command');
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError('--timeout needs a positive number of milliseconds');
  let payload: unknown = {};
  if (json !== undefined) {
    try {
      payload = JSON.parse(json);
    } catch (e) {
      throw new UsageError(`json-args is not JSON: ${(e as Error).message}`);
    }
  }
  const host = createHost({ home: haloforgeHome(), timeouts: timeoutMs === undefined ? {} : { invokeMs: timeoutMs, requestMs: Math.min(30_000, timeoutMs - 1), programMs: Math.min(50_000, timeoutMs - 1) } });
  host.plugins.discover();
  if (!host.plugins.get(pluginId)) {
    io.err(`Not found: no plugin ${pluginId} in ${host.layout.plugins}\n`);
    return 1;
  }
  try {
    await host.plugins.restart(pluginId);
    const result = await host.plugins.invoke(pluginId, command, payload);
    io.out(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 1;
  } finally {
    await host.shutdown();
  }
}
