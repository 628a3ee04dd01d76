import type { Page } from '@playwright/test';
import { approveEachAndInstall, expect, samplePath, screenshotPath, test } from './fixtures';

const STEPS = 'dev.haloforge.sample.text-steps';

async function installTextSteps(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Plugins' }).click();
  await page.getByRole('button', { name: 'Install…' }).click();
  await page.getByLabel('Plugin folder or .hfpkg file on this machine').fill(samplePath('text-steps'));
  await page.getByRole('button', { name: 'Check' }).click();
  await approveEachAndInstall(page);
  await expect(page.getByRole('listitem', { name: 'Text Steps' }).getByText('active', { exact: true })).toBeVisible();
}

test('build a workflow from the step types of a plugin, see its config checked, run it, fix the failing step and run it again', async ({ page, webHost }) => {
  await page.goto(webHost.url);
  await installTextSteps(page);
  await page.getByRole('button', { name: 'Workflows' }).click();

  // Every step type the plugin registered, with its category and description.
  const types = page.getByRole('region', { name: 'Step types' });
  await expect(types.getByRole('article', { name: 'Step type Transform text' })).toContainText('Changes text to upper case, lower case or reversed');
  await expect(types.getByRole('article', { name: 'Step type Expect text' })).toContainText(`${STEPS}:expect_text`);
  await expect(types.getByText('Checks', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'New workflow' }).click();
  const editor = page.getByRole('form', { name: 'Workflow editor' });
  await editor.getByLabel('Name').fill('Shout and check');
  await types.getByRole('button', { name: 'Add Transform text to the workflow' }).click();
  await types.getByRole('button', { name: 'Add Expect text to the workflow' }).click();

  // The form comes from the schema: defaults filled in, required fields named until they are given.
  const first = editor.getByRole('listitem', { name: 'Step 1: Transform text' });
  await expect(first.getByLabel('Mode')).toHaveValue('upper');
  await expect(first.getByRole('list', { name: 'Problems of step 1' })).toContainText('Text is required');
  await expect(editor.getByRole('button', { name: 'Save workflow' })).toBeDisabled();
  await first.getByLabel('Text').fill('hello');
  await first.getByLabel('Times').fill('9');
  await expect(first.getByRole('list', { name: 'Problems of step 1' })).toContainText('Times must be at most 5');
  await first.getByLabel('Times').fill('2');
  await first.getByLabel('Mode').selectOption('reverse');
  const second = editor.getByRole('listitem', { name: 'Step 2: Expect text' });
  await second.getByLabel('Text').fill('hello');
  await second.getByLabel('Contains').fill('bye');
  await expect(editor.getByRole('button', { name: 'Save workflow' })).toBeEnabled();
  await page.screenshot({ path: screenshotPath('workflow-editor'), fullPage: true });
  await editor.getByRole('button', { name: 'Save workflow' }).click();

  // Run it: the first step's result, the second's error, each with its duration.
  const workflow = page.getByRole('region', { name: 'Workflow Shout and check' });
  await workflow.getByRole('button', { name: 'Run Shout and check' }).click();
  await expect(workflow.getByRole('status', { name: 'Outcome of Shout and check' })).toContainText('Last run failed');
  const steps = workflow.getByRole('table', { name: 'Steps of Shout and check' });
  await expect(steps.getByRole('row').nth(1)).toContainText('Succeeded');
  await expect(steps.getByRole('row').nth(1)).toContainText('"text": "hello"');
  await expect(steps.getByRole('row').nth(1)).toContainText(/\d+ ms/);
  await expect(steps.getByRole('row').nth(2)).toContainText('Failed');
  await expect(steps.getByRole('row').nth(2)).toContainText('expected "hello" to contain "bye"');
  await page.screenshot({ path: screenshotPath('workflow-failed-run'), fullPage: true });

  // Change the failing step and run again: both succeed.
  await workflow.getByRole('button', { name: 'Change Shout and check' }).click();
  await editor.getByRole('listitem', { name: 'Step 2: Expect text' }).getByLabel('Contains').fill('ell');
  await editor.getByRole('button', { name: 'Save workflow' }).click();
  await workflow.getByRole('button', { name: 'Run Shout and check' }).click();
  await expect(workflow.getByRole('status', { name: 'Outcome of Shout and check' })).toContainText('Last run succeeded');
  await expect(steps.getByRole('row').nth(2)).toContainText('"found": "ell"');

  // Every step run is in the audit trail, as the network view shows it.
  await page.getByRole('button', { name: 'Network activity' }).click();
  await expect(page.getByText(`workflow://`).first()).toBeVisible();

  // Disabling the plugin leaves the workflow saved, saying why it cannot run.
  await page.getByRole('button', { name: 'Plugins' }).click();
  await page.getByRole('listitem', { name: 'Text Steps' }).getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Workflows' }).click();
  await expect(workflow.getByRole('list', { name: 'Why Shout and check cannot run' })).toContainText(`no active plugin offers step type ${STEPS}:transform_text`);
  await expect(workflow.getByRole('button', { name: 'Run Shout and check' })).toBeDisabled();
  await page.screenshot({ path: screenshotPath('workflows-panel'), fullPage: true });
});
