import { parseArgs } from 'node:util';
import { haloforgeHome } from '../core/paths';
import { PROMPT_ANSWERS, type PermissionPrompt, type PromptAnswer } from '../core/prompts/prompt-types';
import { CommandFailed, openCore } from './core-client';
import { UsageError, json, type Output } from './usage';

export const CONSENT_USAGE = [
  'haloforge grant <plugin-id> --read <path> | --write <path> [--for once|session|day|always]   # default: always',
  'haloforge grant <plugin-id> --local-network on|off',
  'haloforge prompts [--json]                   # the permission prompts waiting in the running app',
  `haloforge answer <prompt-id> ${PROMPT_ANSWERS.join('|')}`,
];

const LASTS = ['once', 'session', 'day', 'always'] as const;
type Lasts = (typeof LASTS)[number];

/** One line a person reads: who asks, for what, and how to answer. */
function describePrompt(p: PermissionPrompt): string {
  const what =
    p.kind === 'network' ? `${p.method} ${p.url}${p.unencrypted ? ' (unencrypted)' : ''}` : `${p.access} in ${p.folder}/ (${p.path})`;
  return `${p.id}  ${p.pluginName} (${p.pluginId}) asks to ${p.kind === 'file' ? '' : 'reach '}${what}; until ${p.expiresAt}`;
}

/**
 * What the panels let a user decide, from a terminal (for reviewers, scripts and tests): grant a
 * folder or file by hand, turn local network access on or off, and see and answer the prompts a
 * running app is showing.
 */
export async function consentCommand(name: string, argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { read: { type: 'string' }, write: { type: 'string' }, for: { type: 'string' }, 'local-network': { type: 'string' }, json: { type: 'boolean' } },
  });
  const home = haloforgeHome();
  if (name === 'grant') {
    const pluginId = positionals[0];
    if (!pluginId) throw new UsageError('grant needs a plugin id');
    const chosen = [values.read, values.write, values['local-network']].filter((v) => v !== undefined);
    if (chosen.length !== 1) throw new UsageError('grant takes one of --read <path>, --write <path> or --local-network on|off');
    const lasts = (values.for ?? 'always') as Lasts;
    if (!LASTS.includes(lasts)) throw new UsageError(`--for is one of ${LASTS.join(', ')}`);
    const network = values['local-network'];
    if (network !== undefined && network !== 'on' && network !== 'off') throw new UsageError('--local-network is on or off');
    const core = await openCore(home, ['haloforge', name, ...argv].join(' '));
    try {
      if (network !== undefined) {
        const plugin = await core.call('hf:plugins:set-local-network', pluginId, network === 'on');
        io.out(json({ pluginId, localNetwork: plugin.localNetwork }));
        return 0;
      }
      // Without an app, this command is the only process that would hold such a grant.
      if (core.via === 'this process' && (lasts === 'once' || lasts === 'session')) {
        throw new CommandFailed(`haloforge: no app is running, and a grant ${lasts === 'once' ? '"once"' : 'for the session'} would end with this command: start the app first, or use --for day or --for always`);
      }
      const write = values.write !== undefined;
      io.out(json(await core.call('hf:grants:add-file', pluginId, (write ? values.write : values.read) as string, write, lasts)));
      return 0;
    } finally {
      await core.close();
    }
  }
  const core = await openCore(home, ['haloforge', name, ...argv].join(' '));
  try {
    if (name === 'prompts') {
      if (core.via === 'this process') io.err('haloforge: no app is running, so no prompt is waiting (only a running app asks)\n');
      const prompts = await core.call('hf:prompts:list');
      io.out(values.json ? json(prompts) : prompts.map((p) => `${describePrompt(p)}\n`).join(''));
      return 0;
    }
    const [promptId, answer] = positionals;
    if (!promptId || !answer) throw new UsageError(`answer needs a prompt id (see haloforge prompts) and one of ${PROMPT_ANSWERS.join(', ')}`);
    if (!PROMPT_ANSWERS.includes(answer as PromptAnswer)) throw new UsageError(`the answer is one of ${PROMPT_ANSWERS.join(', ')}`);
    if (core.via === 'this process') throw new CommandFailed('haloforge: no app is running, so there is no prompt to answer');
    if (!(await core.call('hf:prompts:answer', promptId, answer as PromptAnswer))) throw new CommandFailed(`Not found: no prompt ${promptId} is waiting (answered, or expired)`);
    io.out(json({ answered: promptId, answer }));
    return 0;
  } finally {
    await core.close();
  }
}
