/** Workflows, as saved and as run, the way main and the panels see them. Pure: no Node, so panels share it. */

/** One step of a workflow: a step type (`{plugin_id}:{type_id}`) and the config the user gave it. */
export interface WorkflowStep {
  type: string;
  config: Record<string, unknown>;
}

export interface Workflow {
  id: string;
  name: string;
  steps: WorkflowStep[];
  createdAt: string;
  updatedAt: string;
}

/** What a panel or the command line sends to save: a new workflow has no id yet. */
export interface WorkflowDraft {
  id?: string;
  name: string;
  steps: WorkflowStep[];
}

export type StepRunState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface StepRun {
  index: number;
  type: string;
  /** The step type's display name, or its id when no active plugin offers it. */
  name: string;
  state: StepRunState;
  /** What the plugin returned (capped, see MAX_VALUE_BYTES). */
  value?: unknown;
  /** The plugin's error (a PluginError's Display text), or why the step could not run. */
  error?: string;
  durationMs?: number;
}

export interface WorkflowRun {
  runId: string;
  workflowId: string;
  workflowName: string;
  state: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  steps: StepRun[];
}

/** A workflow as panels and the command line see it: what stops it from running now, and its last run. */
export interface WorkflowView extends Workflow {
  problems: string[];
  lastRun: WorkflowRun | null;
}
