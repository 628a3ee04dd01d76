import { randomBytes } from 'node:crypto';
import { readStateFile, writeFileAtomic } from '../atomic-file';
import type { Workflow, WorkflowDraft } from './workflow-types';

interface WorkflowsFile {
  version: 1;
  workflows: Workflow[];
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseWorkflowsFile(text: string): WorkflowsFile {
  const data: unknown = JSON.parse(text);
  if (!isObject(data) || data.version !== 1 || !Array.isArray(data.workflows)) throw new Error('it is not a version 1 workflows file');
  for (const w of data.workflows) {
    if (!isObject(w) || typeof w.id !== 'string' || typeof w.name !== 'string' || !Array.isArray(w.steps)) throw new Error('a workflow in it is malformed');
    for (const s of w.steps) if (!isObject(s) || typeof s.type !== 'string' || !isObject(s.config)) throw new Error(`a step of workflow ${w.id} is malformed`);
  }
  return data as unknown as WorkflowsFile;
}

/**
 * The user's workflows, `workflows.json` in the data folder, replaced atomically on every change.
 * A file that cannot be read is moved aside (never overwritten) and the list starts empty.
 */
export class WorkflowStore {
  private data: WorkflowsFile = { version: 1, workflows: [] };
  readonly loadProblem: string | undefined;

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const read = readStateFile(path, parseWorkflowsFile, this.now(), 'the workflow list starts empty');
    if (read.value) this.data = read.value;
    this.loadProblem = read.problem;
  }

  list(): Workflow[] {
    return structuredClone(this.data.workflows);
  }

  get(id: string): Workflow | undefined {
    const w = this.data.workflows.find((x) => x.id === id);
    return w && structuredClone(w);
  }

  /** Saves a new workflow (given an id) or replaces the one with the draft's id. */
  save(draft: WorkflowDraft): Workflow {
    const time = this.now().toISOString();
    const existing = draft.id === undefined ? undefined : this.data.workflows.find((w) => w.id === draft.id);
    if (draft.id !== undefined && !existing) throw new Error(`no workflow ${draft.id} exists to be replaced`);
    const saved: Workflow = { id: existing?.id ?? `wf-${randomBytes(6).toString('hex')}`, name: draft.name, steps: structuredClone(draft.steps), createdAt: existing?.createdAt ?? time, updatedAt: time };
    const others = this.data.workflows.filter((w) => w.id !== saved.id);
    this.write({ version: 1, workflows: [...others, saved] });
    return structuredClone(saved);
  }

  remove(id: string): boolean {
    const rest = this.data.workflows.filter((w) => w.id !== id);
    if (rest.length === this.data.workflows.length) return false;
    this.write({ version: 1, workflows: rest });
    return true;
  }

  private write(next: WorkflowsFile): void {
    writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.data = next;
  }
}
