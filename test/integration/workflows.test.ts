import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../main/core/audit/entry';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { WorkflowRun } from '../../main/core/workflows/workflow-types';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const STEPS = 'dev.haloforge.sample.text-steps';
const TRANSFORM = `${STEPS}:transform_text`;
const EXPECT = `${STEPS}:expect_text`;

async function start(home = scratchHome()): Promise<{ host: Host; home: string; runs: WorkflowRun[] }> {
  installSample(home, { sample: 'text-steps' });
  const runs: WorkflowRun[] = [];
  const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), onWorkflowRun: (r) => runs.push(r) }));
  host.plugins.discover();
  await host.plugins.approve(STEPS, 'all');
  await host.start();
  return { host, home, runs };
}

const stepAudit = (host: Host): AuditEntry[] => host.audit.query({ pluginId: STEPS }).filter((e) => e.method === 'STEP');

describe('workflow steps of a real plugin', () => {
  it('lists the step types an active plugin registered, with their config schemas', async () => {
    const { host } = await start();
    const types = host.workflows.stepTypes();
    expect(types.map((t) => t.id).sort()).toEqual([EXPECT, TRANSFORM]);
    expect(types.find((t) => t.id === TRANSFORM)).toMatchObject({
      pluginId: STEPS,
      pluginName: 'Text Steps',
      typeId: 'transform_text',
      displayName: 'Transform text',
      category: 'Text',
      icon: 'CaseSensitive',
      configSchema: { required: ['text'], properties: { mode: { enum: ['upper', 'lower', 'reverse'], default: 'upper' }, times: { type: 'integer', minimum: 1, maximum: 5 } } },
    });
    expect(host.plugins.get(STEPS)?.differences).toEqual([]);
  });

  it('refuses to save a workflow whose configs do not fit their schemas, naming each step and field', () => {
    return start().then(({ host }) => {
      const save = () =>
        host.workflows.save({
          name: 'Broken',
          steps: [
            { type: TRANSFORM, config: { mode: 'sideways', times: 9 } },
            { type: EXPECT, config: { text: 7, contains: 'x' } },
            { type: `${STEPS}:no_such_type`, config: {} },
          ],
        });
      expect(save).toThrow(
        'workflow "Broken" not saved: step 1 (Transform text): Text is required; step 1 (Transform text): Mode must be one of "upper", "lower", "reverse"; ' +
          'step 1 (Transform text): Times must be at most 5; step 2 (Expect text): Text must be a string; ' +
          `step 3: no active plugin offers step type ${STEPS}:no_such_type (is its plugin installed, enabled and running?)`,
      );
      expect(() => host.workflows.save({ name: '', steps: [] })).toThrow('a workflow needs a name of 1 to 100 characters');
      expect(host.workflows.list()).toEqual([]);
    });
  });

  it('runs the steps in order in the plugin, with each result and duration, and audits every step', async () => {
    const { host, runs } = await start();
    const saved = host.workflows.save({
      name: 'Shout twice',
      steps: [
        { type: TRANSFORM, config: { text: 'Hello', mode: 'reverse', times: 1 } },
        { type: TRANSFORM, config: { text: 'Hello' } },
        { type: EXPECT, config: { text: 'HELLO', contains: 'ELL' } },
      ],
    });
    const run = await host.workflows.run(saved.id, 'a test');
    expect(run.state).toBe('succeeded');
    expect(run.steps.map((s) => [s.state, s.value])).toEqual([
      ['succeeded', { text: 'olleH', stepsRun: 1 }],
      ['succeeded', { text: 'HELLO', stepsRun: 2 }],
      ['succeeded', { found: 'ELL' }],
    ]);
    for (const s of run.steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
    // Panels saw it start, each step run and finish, and the end.
    expect(runs[0]?.steps.map((s) => s.state)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(runs.at(-1)).toEqual(run);
    expect(host.workflows.list()[0]?.lastRun).toEqual(run);
    await expect.poll(() => stepAudit(host).length).toBe(6);
    const audit = stepAudit(host);
    expect(audit.filter((e) => e.event === 'decision').map((e) => e.url)).toEqual([
      `workflow://${saved.id}/steps/1/${TRANSFORM}`,
      `workflow://${saved.id}/steps/2/${TRANSFORM}`,
      `workflow://${saved.id}/steps/3/${EXPECT}`,
    ]);
    expect(audit.filter((e) => e.event === 'response')).toHaveLength(3);
    expect(audit[0]).toMatchObject({ decision: 'allow', rule: 'workflow:step', reason: 'step 1 of 3 of workflow "Shout twice", run by a test' });
  });

  it('stops at the first failing step with its message, skipping the rest, and audits the failure', async () => {
    const { host } = await start();
    const saved = host.workflows.save({
      name: 'Check',
      steps: [
        { type: TRANSFORM, config: { text: 'abc', mode: 'upper' } },
        { type: EXPECT, config: { text: 'ABC', contains: 'xyz' } },
        { type: TRANSFORM, config: { text: 'never' } },
      ],
    });
    const run = await host.workflows.run(saved.id, 'a test');
    expect(run.state).toBe('failed');
    expect(run.steps.map((s) => s.state)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(run.steps[1]?.error).toBe('expected "ABC" to contain "xyz"');
    await expect.poll(() => stepAudit(host).filter((e) => e.event === 'error')).toEqual([expect.objectContaining({ url: `workflow://${saved.id}/steps/2/${EXPECT}`, error: 'expected "ABC" to contain "xyz"' })]);
    // The third step never reached the plugin.
    expect(stepAudit(host).filter((e) => e.event === 'decision')).toHaveLength(2);
  });

  it('delivers WorkflowStarted, WorkflowStepCompleted and WorkflowCompleted to a plugin that listens', async () => {
    const { host } = await start();
    const saved = host.workflows.save({ name: 'Events', steps: [{ type: TRANSFORM, config: { text: 'a' } }, { type: EXPECT, config: { text: 'a', contains: 'b' } }] });
    await host.workflows.run(saved.id, 'a test');
    await expect
      .poll(() => host.plugins.invoke(STEPS, 'events_seen', {}))
      .toEqual([
        { event: 'workflow_started', payload: { workflow_id: saved.id, name: 'Events', steps: 2 } },
        { event: 'workflow_step_completed', payload: expect.objectContaining({ workflow_id: saved.id, step_index: 0, step_type: TRANSFORM, success: true }) },
        { event: 'workflow_step_completed', payload: expect.objectContaining({ workflow_id: saved.id, step_index: 1, step_type: EXPECT, success: false }) },
        { event: 'workflow_completed', payload: { workflow_id: saved.id, success: false } },
      ]);
  });

  it('keeps workflows in the data folder across restarts, and will not run one whose plugin is off', async () => {
    const first = await start();
    const saved = first.host.workflows.save({ name: 'Kept', steps: [{ type: TRANSFORM, config: { text: 'x' } }] });
    await first.host.shutdown();
    const { host } = await start(first.home);
    expect(host.workflows.list().map((w) => [w.id, w.name, w.problems])).toEqual([[saved.id, 'Kept', []]]);
    await host.plugins.setEnabled(STEPS, false);
    expect(host.workflows.list()[0]?.problems).toEqual([`step 1: no active plugin offers step type ${TRANSFORM} (is its plugin installed, enabled and running?)`]);
    await expect(host.workflows.run(saved.id, 'a test')).rejects.toThrow(`workflow "Kept" cannot run: step 1: no active plugin offers step type ${TRANSFORM}`);
    expect(stepAudit(host)).toEqual([]);
  });

  it('refuses to run a workflow twice at once', async () => {
    const { host } = await start();
    const saved = host.workflows.save({ name: 'Once', steps: [{ type: TRANSFORM, config: { text: 'x' } }] });
    const running = host.workflows.run(saved.id, 'a test');
    await expect(host.workflows.run(saved.id, 'a test')).rejects.toThrow('workflow "Once" is running already');
    await expect(running).resolves.toMatchObject({ state: 'succeeded' });
  });
});
