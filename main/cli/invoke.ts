import { parseArgs } from 'node:util';
import { RawJson } from '../core/json-bytes';
import { haloforgeHome } from '../core/paths';
import { wireName } from '../core/wire';
import { CommandFailed, openCore } from './core-client';
import { UsageError, type Output } from './usage';

export const INVOKE_USAGE = 'haloforge invoke <plugin-id> <command> [json-args] [--timeout <ms>]';

/** Calls one command of a plugin (in the running app, or loading that plugin headless) and prints the result as JSON. */
export async function invokeCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { timeout: { type: 'string' } } });
  const [pluginId, command, text] = positionals;
  if (!pluginId || !command) throw new UsageError('invoke needs a plugin id and a command');
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000)) throw new UsageError('--timeout needs a whole number of milliseconds from 1 to 600000');
  // Checked here so a typo is a usage error; the text itself is what goes to the plugin.
  if (text !== undefined) {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new UsageError(`json-args is not JSON: ${(e as Error).message}`);
    }
  }
  const core = await openCore(haloforgeHome(), ['haloforge', 'invoke', pluginId, command].join(' '), { start: 'one', pluginId });
  try {
    if (!(await core.call('hf:plugins:list')).some((p) => p.id === pluginId)) throw new CommandFailed(`Not found: no plugin ${pluginId} is installed`);
    // The arguments go as the user wrote them (checked to be JSON); the answer is printed as it came.
    const result = await core.call('hf:plugin:invoke', wireName(pluginId, command), text ?? '{}', timeoutMs);
    io.out(`${result instanceof RawJson ? result.text : JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await core.close();
  }
}
