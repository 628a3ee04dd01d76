import { parseArgs } from 'node:util';
import { haloforgeHome } from '../core/paths';
import type { StepType } from '../core/workflows/step-types';
import type { WorkflowRun, WorkflowView } from '../core/workflows/workflow-types';
import { openCore } from './core-client';
import { UsageError, json, type Output } from './usage';

export const WORKFLOW_USAGE = [
  'haloforge workflow list [--json]          # your workflows, and the step types active plugins offer',
  'haloforge workflow run <id|name> [--json] # runs it to its end; exit code 1 when a step fails',
];

function listText(workflows: readonly WorkflowView[], types: readonly StepType[]): string {
  const lines = ['workflows:'];
  if (workflows.length === 0) lines.push('  none (build one in the Workflows panel)');
  for (const w of workflows) {
    const last = w.lastRun ? `, last run ${w.lastRun.state}` : '';
    lines.push(`  ${w.id}  ${w.name}  (${w.steps.length} steps${last})`);
    for (const [i, s] of w.steps.entries()) lines.push(`    ${i + 1}. ${types.find((t) => t.id === s.type)?.displayName ?? s.type}  ${JSON.stringify(s.config)}`);
    for (const p of w.problems) lines.push(`    cannot run: ${p}`);
  }
  lines.push('step types:');
  if (types.length === 0) lines.push('  none (no active plugin registers workflow step types)');
  for (const t of types) lines.push(`  ${t.id}  ${t.displayName} [${t.category}] — ${t.description}`);
  return `${lines.join('\n')}\n`;
}

function runText(run: WorkflowRun): string {
  const lines = [`${run.workflowName} (${run.workflowId}): ${run.state} in ${run.durationMs ?? 0} ms`];
  for (const s of run.steps) {
    const detail = s.state === 'succeeded' ? JSON.stringify(s.value) : s.state === 'failed' ? s.error : '';
    lines.push(`  ${s.index + 1}. ${s.name}  ${s.state}${s.durationMs === undefined ? '' : `  ${s.durationMs} ms`}${detail ? `  ${detail}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Lists and runs workflows: in the running app, or in a core of its own with every plugin started. */
export async function workflowCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const [verb, which] = positionals;
  if (verb !== 'list' && verb !== 'run') throw new UsageError('workflow needs list or run');
  if (verb === 'run' && !which) throw new UsageError('workflow run needs a workflow id or name');
  // Step types come from active plugins, so a core of its own starts them all.
  const core = await openCore(haloforgeHome(), ['haloforge', 'workflow', ...argv].join(' '), { start: 'all' });
  try {
    if (verb === 'list') {
      const [workflows, types] = [await core.call('hf:workflows:list'), await core.call('hf:workflows:step-types')];
      io.out(values.json ? json({ workflows, stepTypes: types }) : listText(workflows, types));
      return 0;
    }
    const run = await core.call('hf:workflows:run', which as string);
    io.out(values.json ? json(run) : runText(run));
    return run.state === 'succeeded' ? 0 : 1;
  } finally {
    await core.close();
  }
}
