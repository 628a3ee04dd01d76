import { defineStore } from 'pinia';
import { ref } from 'vue';
import { isConnectionError, type StepType, type WorkflowDraft, type WorkflowRun, type WorkflowView } from '../../../preload/api';
import { haloforge } from '../bridge';

export const useWorkflowsStore = defineStore('workflows', () => {
  const stepTypes = ref<StepType[]>([]);
  const workflows = ref<WorkflowView[]>([]);
  /** The latest run of each workflow, live while it runs. */
  const runs = ref<Record<string, WorkflowRun>>({});
  const loadError = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      [stepTypes.value, workflows.value] = await Promise.all([haloforge.listStepTypes(), haloforge.listWorkflows()]);
      for (const w of workflows.value) if (w.lastRun && !runs.value[w.id]) runs.value[w.id] = w.lastRun;
      loadError.value = null;
    } catch (e) {
      if (!isConnectionError(e)) loadError.value = (e as Error).message;
    }
  }

  haloforge.on('hf:event:workflow-run', (run) => {
    runs.value[run.workflowId] = run;
  });
  haloforge.on('hf:event:workflows-changed', () => void refresh());
  // Step types come and go with their plugins, and with them what a workflow lacks to run.
  haloforge.on('hf:event:plugin-changed', () => void refresh());
  haloforge.on('hf:event:plugin-removed', () => void refresh());

  async function save(draft: WorkflowDraft): Promise<WorkflowView> {
    const saved = await haloforge.saveWorkflow(draft);
    await refresh();
    return saved;
  }

  async function remove(id: string): Promise<void> {
    await haloforge.deleteWorkflow(id);
    delete runs.value[id];
    await refresh();
  }

  /** Runs a workflow; its progress arrives through the run events, the end through this. */
  async function run(id: string): Promise<WorkflowRun> {
    const finished = await haloforge.runWorkflow(id);
    runs.value[id] = finished;
    return finished;
  }

  return { stepTypes, workflows, runs, loadError, refresh, save, remove, run };
});
