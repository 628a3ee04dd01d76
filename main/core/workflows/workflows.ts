import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AuditLog } from '../audit/log';
import type { AuditEntry } from '../audit/entry';
import { displayText } from '../display-text';
import { HOST_TARGET, type Logger } from '../log/logger';
import { configProblems } from './config-schema';
import { splitStepTypeId, type StepType } from './step-types';
import type { WorkflowStore } from './store';
import type { StepRun, Workflow, WorkflowDraft, WorkflowRun, WorkflowStep, WorkflowView } from './workflow-types';

export interface WorkflowsDeps {
  store: WorkflowStore;
  /** The step types the active plugins offer now. */
  stepTypes: () => StepType[];
  runStep: (pluginId: string, typeId: string, config: Record<string, unknown>) => Promise<unknown>;
  /** An app event for the plugins that listen (WorkflowStarted, WorkflowStepCompleted, WorkflowCompleted). */
  appEvent: (event: { type: string }, payload: unknown) => void;
  audit: AuditLog;
  logger: Logger;
  /** A run started, a step finished, a run ended: panels redraw it. */
  onRun?: (run: WorkflowRun) => void;
  /** The list of workflows changed. */
  onChange?: () => void;
}

const MAX_NAME = 100;
const MAX_STEPS = 50;
const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_VALUE_BYTES = 64 * 1024;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A draft as it arrives from a panel or the command line, checked for shape; throws saying what is wrong. */
export function readDraft(raw: unknown): WorkflowDraft {
  if (!isObject(raw)) throw new Error('a workflow must be an object with a name and steps');
  const { id, name, steps } = raw;
  if (id !== undefined && (typeof id !== 'string' || !/^wf-[0-9a-f]{12}$/.test(id))) throw new Error('a workflow id looks like wf- and 12 hex digits');
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME) throw new Error(`a workflow needs a name of 1 to ${MAX_NAME} characters`);
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) throw new Error(`a workflow needs 1 to ${MAX_STEPS} steps`);
  const read: WorkflowStep[] = steps.map((s: unknown, i) => {
    if (!isObject(s) || typeof s.type !== 'string' || !splitStepTypeId(s.type) || s.type.length > 300) throw new Error(`step ${i + 1} needs a type named plugin-id:type-id`);
    const config = s.config ?? {};
    if (!isObject(config)) throw new Error(`step ${i + 1}'s config must be an object`);
    if (JSON.stringify(config).length > MAX_CONFIG_BYTES) throw new Error(`step ${i + 1}'s config is larger than ${MAX_CONFIG_BYTES} bytes`);
    return { type: s.type, config };
  });
  return { ...(id === undefined ? {} : { id }), name: displayText(name.trim()), steps: read };
}

/** What stops `steps` from running with the step types offered now: each names its step. */
export function stepProblems(steps: readonly WorkflowStep[], types: readonly StepType[]): string[] {
  const problems: string[] = [];
  steps.forEach((step, i) => {
    const type = types.find((t) => t.id === step.type);
    if (!type) {
      problems.push(`step ${i + 1}: no active plugin offers step type ${step.type} (is its plugin installed, enabled and running?)`);
      return;
    }
    for (const p of configProblems(type.configSchema, step.config)) problems.push(`step ${i + 1} (${type.displayName}): ${p}`);
  });
  return problems;
}

/** A plugin's answer as a run keeps it: JSON of reasonable size, or a note that it was too big. */
function keptValue(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return text.length <= MAX_VALUE_BYTES ? value ?? null : { truncated: `${text.length} bytes of JSON; the first ${MAX_VALUE_BYTES / 8} follow`, start: text.slice(0, MAX_VALUE_BYTES / 8) };
}

/**
 * The user's workflows: saved in the data folder, checked against the step types the active plugins
 * offer, and run one step after another in their plugins. The first failing step ends the run;
 * every step is audited; plugins that listen hear the workflow events.
 */
export class Workflows {
  private readonly lastRuns = new Map<string, WorkflowRun>();
  private readonly running = new Set<string>();

  constructor(private readonly deps: WorkflowsDeps) {
    if (deps.store.loadProblem) deps.logger.log('error', HOST_TARGET, deps.store.loadProblem);
  }

  stepTypes(): StepType[] {
    return this.deps.stepTypes();
  }

  list(): WorkflowView[] {
    const types = this.deps.stepTypes();
    return this.deps.store
      .list()
      .map((w) => this.view(w, types))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Finds a workflow by id, or by its exact name when exactly one has it (the command line's way). */
  find(idOrName: string): WorkflowView | undefined {
    const all = this.list();
    const byId = all.find((w) => w.id === idOrName);
    if (byId) return byId;
    const named = all.filter((w) => w.name === idOrName);
    if (named.length > 1) throw new Error(`${named.length} workflows are named "${idOrName}": give one's id (${named.map((w) => w.id).join(', ')})`);
    return named[0];
  }

  /** Saves a draft whose every step fits a step type offered now; refuses with every problem otherwise. */
  save(raw: unknown): WorkflowView {
    const draft = readDraft(raw);
    const types = this.deps.stepTypes();
    const problems = stepProblems(draft.steps, types);
    if (problems.length > 0) throw new Error(`workflow "${draft.name}" not saved: ${problems.join('; ')}`);
    const saved = this.deps.store.save(draft);
    this.deps.logger.log('info', HOST_TARGET, `workflow "${saved.name}" (${saved.id}) saved with ${saved.steps.length} steps`);
    this.deps.onChange?.();
    return this.view(saved, types);
  }

  remove(id: string): boolean {
    if (this.running.has(id)) throw new Error(`workflow ${id} is running; remove it once its run ends`);
    const removed = this.deps.store.remove(id);
    if (removed) {
      this.lastRuns.delete(id);
      this.deps.logger.log('info', HOST_TARGET, `workflow ${id} removed`);
      this.deps.onChange?.();
    }
    return removed;
  }

  /**
   * Runs a workflow to its end and resolves with the run; refuses, before any step runs, a workflow
   * with problems or one already running. `by` names who asked, for the audit trail.
   */
  async run(id: string, by: string): Promise<WorkflowRun> {
    const workflow = this.deps.store.get(id);
    if (!workflow) throw new Error(`Not found: no workflow ${id}`);
    if (this.running.has(id)) throw new Error(`workflow "${workflow.name}" is running already`);
    const types = this.deps.stepTypes();
    const problems = stepProblems(workflow.steps, types);
    if (problems.length > 0) throw new Error(`workflow "${workflow.name}" cannot run: ${problems.join('; ')}`);
    this.running.add(id);
    try {
      return await this.runSteps(workflow, types, by);
    } finally {
      this.running.delete(id);
    }
  }

  private async runSteps(workflow: Workflow, types: readonly StepType[], by: string): Promise<WorkflowRun> {
    const started = performance.now();
    const typeOf = (step: WorkflowStep) => types.find((t) => t.id === step.type) as StepType;
    const run: WorkflowRun = {
      runId: randomUUID(),
      workflowId: workflow.id,
      workflowName: workflow.name,
      state: 'running',
      startedAt: new Date().toISOString(),
      steps: workflow.steps.map((s, index) => ({ index, type: s.type, name: typeOf(s).displayName, state: 'waiting' })),
    };
    const show = () => {
      this.lastRuns.set(workflow.id, structuredClone(run));
      this.deps.onRun?.(structuredClone(run));
    };
    this.deps.logger.log('info', HOST_TARGET, `workflow "${workflow.name}" (${workflow.id}) started by ${by}`);
    this.deps.appEvent({ type: 'workflow_started' }, { workflow_id: workflow.id, name: workflow.name, steps: workflow.steps.length });
    show();
    let failed = false;
    for (const [index, step] of workflow.steps.entries()) {
      const record = run.steps[index] as StepRun;
      if (failed) {
        record.state = 'skipped';
        continue;
      }
      record.state = 'running';
      show();
      const type = typeOf(step);
      const outcome = await this.runOne(workflow, index, type, step.config, by);
      Object.assign(record, outcome);
      failed = outcome.state === 'failed';
      this.deps.appEvent({ type: 'workflow_step_completed' }, { workflow_id: workflow.id, step_index: index, step_type: step.type, success: !failed, duration_ms: outcome.durationMs });
      show();
    }
    run.state = failed ? 'failed' : 'succeeded';
    run.finishedAt = new Date().toISOString();
    run.durationMs = Math.round(performance.now() - started);
    const failure = run.steps.find((s) => s.state === 'failed');
    this.deps.logger.log(failed ? 'warn' : 'info', HOST_TARGET, `workflow "${workflow.name}" ${failed ? `failed at step ${(failure?.index ?? 0) + 1}: ${failure?.error ?? ''}` : 'succeeded'} in ${run.durationMs} ms`);
    this.deps.appEvent({ type: 'workflow_completed' }, { workflow_id: workflow.id, success: !failed });
    show();
    return structuredClone(run);
  }

  /** One step: audited before it runs (no record, no run) and after, with its outcome and duration. */
  private async runOne(workflow: Workflow, index: number, type: StepType, config: Record<string, unknown>, by: string): Promise<Pick<StepRun, 'state' | 'value' | 'error' | 'durationMs'>> {
    const line = {
      requestId: randomUUID(),
      hop: 0,
      pluginId: type.pluginId,
      method: 'STEP',
      url: `workflow://${workflow.id}/steps/${index + 1}/${type.id}`,
      decision: 'allow' as const,
      rule: 'workflow:step',
      reason: `step ${index + 1} of ${workflow.steps.length} of workflow "${workflow.name}", run by ${by}`,
    };
    const time = () => new Date().toISOString();
    try {
      await this.deps.audit.appendBeforeSending({ ...line, time: time(), event: 'decision' });
    } catch (e) {
      return { state: 'failed', error: `the step was not run: its audit record could not be written (${(e as Error).message})`, durationMs: 0 };
    }
    const started = performance.now();
    let outcome: Pick<StepRun, 'state' | 'value' | 'error' | 'durationMs'>;
    try {
      const value = await this.deps.runStep(type.pluginId, type.typeId, config);
      outcome = { state: 'succeeded', value: keptValue(value), durationMs: Math.round(performance.now() - started) };
    } catch (e) {
      outcome = { state: 'failed', error: displayText((e as Error).message), durationMs: Math.round(performance.now() - started) };
    }
    const after: AuditEntry = { ...line, time: time(), event: outcome.state === 'succeeded' ? 'response' : 'error', durationMs: outcome.durationMs, ...(outcome.error ? { error: outcome.error } : {}) };
    this.deps.audit.appendLater(after, (e) => this.deps.logger.log('error', HOST_TARGET, `audit write failed after step ${index + 1} of workflow ${workflow.id}: ${e.message}`));
    return outcome;
  }

  private view(w: Workflow, types: readonly StepType[]): WorkflowView {
    return { ...w, problems: stepProblems(w.steps, types), lastRun: this.lastRuns.get(w.id) ?? null };
  }
}
