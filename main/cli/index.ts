/**
 * `haloforge`: the command line for users and reviewers. It runs the same core as the app,
 * headless, against `$HALOFORGE_HOME`.
 */
import { DataFolderBusy } from '../core/control/data-lock';
import { AUTHOR_USAGE, authorCommand } from './author';
import { CONSENT_USAGE, consentCommand } from './consent';
import { CommandFailed } from './core-client';
import { INVOKE_USAGE, invokeCommand } from './invoke';
import { PLUGIN_USAGE, pluginCommand } from './plugins';
import { POLICY_USAGE, policyCommand } from './policy';
import { REVIEW_USAGE, reviewCommand } from './review';
import { TOOLCHAIN_USAGE, toolchainCommand } from './toolchain';
import { UsageError, type Output } from './usage';
import { WORKFLOW_USAGE, workflowCommand } from './workflow';

const USAGE = `usage (every command works on $HALOFORGE_HOME, default ~/.haloforge; output is JSON where it says --json or always):
  ${PLUGIN_USAGE.join('\n  ')}
  ${INVOKE_USAGE}
  ${REVIEW_USAGE.join('\n  ')}
  ${CONSENT_USAGE.join('\n  ')}
  ${POLICY_USAGE}
  ${TOOLCHAIN_USAGE}
  ${WORKFLOW_USAGE.join('\n  ')}
  ${AUTHOR_USAGE.join('\n  ')}
  haloforge --help`;

type Command = (argv: string[], io: Output) => Promise<number>;
const named = (run: (name: string, argv: string[], io: Output) => Promise<number>, name: string): Command => (argv, io) => run(name, argv, io);

const COMMANDS: Record<string, Command> = {
  invoke: invokeCommand,
  policy: policyCommand,
  toolchain: toolchainCommand,
  workflow: workflowCommand,
  ...Object.fromEntries(['list', 'show', 'install', 'uninstall', 'enable', 'disable', 'approve', 'restricted'].map((n) => [n, named(pluginCommand, n)])),
  ...Object.fromEntries(['grants', 'revoke', 'narrow', 'audit'].map((n) => [n, named(reviewCommand, n)])),
  ...Object.fromEntries(['grant', 'prompts', 'answer'].map((n) => [n, named(consentCommand, n)])),
  ...Object.fromEntries(['init', 'pack'].map((n) => [n, named(authorCommand, n)])),
};

async function main(argv: string[]): Promise<number> {
  const io: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const [name, ...rest] = argv;
  try {
    // Asked for, the usage is the answer (exit 0); a missing command is a mistake (exit 2).
    if (name === '--help' || name === '-h' || name === 'help') {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (!name) throw new UsageError('');
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await command(rest, io);
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      io.err(`${(e as Error).message ? `haloforge: ${(e as Error).message}\n\n` : ''}${USAGE}\n`);
      return 2;
    }
    // What the app or a plugin answered is printed as it is (a PluginError reads "Not found: x").
    if (e instanceof CommandFailed) io.err(`${e.message}\n`);
    else io.err(`haloforge: ${e instanceof DataFolderBusy ? '' : 'error: '}${(e as Error).message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
