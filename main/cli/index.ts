/**
 * `haloforge`: the command line for users and reviewers. It runs the same core as the app,
 * headless, against `$HALOFORGE_HOME`.
 */
import { INVOKE_USAGE, invokeCommand } from './invoke';
import { POLICY_USAGE, policyCommand } from './policy';
import { UsageError, type Output } from './usage';

const USAGE = `usage:
  ${INVOKE_USAGE}
      load the plugin from $HALOFORGE_HOME/plugins, call one of its commands, print the result as JSON
  ${POLICY_USAGE}
      print the policy engine's decision for one request as JSON`;

const COMMANDS: Record<string, (argv: string[], io: Output) => Promise<number>> = {
  invoke: invokeCommand,
  policy: policyCommand,
};

async function main(argv: string[]): Promise<number> {
  const io: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h') throw new UsageError('');
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await command(rest, io);
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      io.err(`${(e as Error).message ? `haloforge: ${(e as Error).message}\n\n` : ''}${USAGE}\n`);
      return 2;
    }
    io.err(`haloforge: ${(e as Error).message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
