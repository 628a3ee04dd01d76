/**
 * The command line can do what the panels do about consent (for reviewers, scripts and tests):
 * grant a folder or file by hand, turn local network access on or off, list the prompts a running
 * app shows and answer them. Judged on the real disk and in the app's own state.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root, tempHome, installSample } from '../helpers/fixtures';
import { userFolder } from '../helpers/per-test';
import { startWebHostProcess } from '../helpers/web-process';

const EDITOR = 'dev.haloforge.sample.editor';
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const cliArgs = (home: string) => ({ env: { ...process.env, RUST_LOG: '', HALOFORGE_HOME: home }, encoding: 'utf8' as const });
function haloforge(home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], cliArgs(home));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as unknown };
}

/** A command that waits on a prompt runs alongside the test, which answers it. */
function haloforgeLater(home: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], { env: cliArgs(home).env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('close', (status) => done({ status, stdout, stderr })));
}

describe('consent from the command line, while an app runs', () => {
  it('grants a file and a folder by hand into the running sandbox, and lists and answers the prompt a plain std::fs write raises', async () => {
    const { host: app, stop } = await startWebHostProcess(['editor']);
    stops.push(stop);
    expect(haloforge(app.home, 'approve', EDITOR, '--yes').status).toBe(0);
    const docs = userFolder({ 'a.md': 'first', 'b.md': 'second' });

    const granted = haloforge(app.home, 'grant', EDITOR, '--read', join(docs, 'a.md'));
    expect(granted.status).toBe(0);
    expect(granted.json()).toMatchObject({ path: join(docs, 'a.md'), write: false, lasts: 'always', grant: { folder: join(docs, 'a.md'), permission: 'filesystem_read', via: 'granted by command line' } });
    expect(haloforge(app.home, 'invoke', EDITOR, 'md_open', JSON.stringify({ path: join(docs, 'a.md') })).json()).toEqual({ path: join(docs, 'a.md'), text: 'first' });

    // Saving in place asks (the grant is for reading); the command waits while the prompt is open.
    const saving = haloforgeLater(app.home, 'invoke', EDITOR, 'md_save', JSON.stringify({ path: join(docs, 'a.md'), text: 'saved from a script' }));
    let prompts: Array<{ id: string; kind: string; access: string; folder: string }> = [];
    await expect.poll(() => (prompts = haloforge(app.home, 'prompts', '--json').json() as typeof prompts).length, { timeout: 20_000 }).toBe(1);
    expect(prompts[0]).toMatchObject({ kind: 'file', access: 'write', folder: docs });
    expect(haloforge(app.home, 'prompts').stdout).toContain(`asks to write in ${docs}/`);
    expect(haloforge(app.home, 'answer', prompts[0]?.id ?? '', 'allow-day').json()).toEqual({ answered: prompts[0]?.id, answer: 'allow-day' });
    expect(await saving).toMatchObject({ status: 0 });
    expect(readFileSync(join(docs, 'a.md'), 'utf8')).toBe('saved from a script');
    expect(haloforge(app.home, 'grants', '--plugin', EDITOR).json()).toMatchObject([{ permission: 'filesystem_read' }, { permission: 'filesystem_write', folder: docs, lasts: 'day' }]);

    // A folder for this one command only, then gone from the view.
    const other = userFolder({ 'c.md': 'third' });
    expect(haloforge(app.home, 'grant', EDITOR, '--read', other, '--for', 'once').json()).toMatchObject({ path: other, lasts: 'once', grant: null });
    expect(haloforge(app.home, 'invoke', EDITOR, 'md_open', JSON.stringify({ path: join(other, 'c.md') })).json()).toMatchObject({ text: 'third' });
    const denying = haloforgeLater(app.home, 'invoke', EDITOR, 'md_open', JSON.stringify({ path: join(other, 'c.md') }));
    await expect.poll(() => (prompts = haloforge(app.home, 'prompts', '--json').json() as typeof prompts).length, { timeout: 20_000 }).toBe(1);
    haloforge(app.home, 'answer', prompts[0]?.id ?? '', 'deny');
    expect(await denying).toMatchObject({ status: 1, stderr: expect.stringContaining('Not found') as string });

    expect(haloforge(app.home, 'grant', EDITOR, '--local-network', 'on').json()).toEqual({ pluginId: EDITOR, localNetwork: true });
    expect(haloforge(app.home, 'answer', 'no-such-prompt', 'deny')).toMatchObject({ status: 1, stderr: expect.stringContaining('no prompt no-such-prompt is waiting') as string });
  });
});

describe('consent from the command line, without an app', () => {
  it('grants for a day or always, refuses what would end with the command, and says no prompt is waiting', () => {
    const { home, cleanup } = tempHome();
    stops.push(async () => cleanup());
    installSample(home, { sample: 'editor' });
    const docs = userFolder({ 'a.md': 'x' });
    expect(haloforge(home, 'grant', EDITOR, '--write', docs, '--for', 'day').json()).toMatchObject({ path: docs, write: true, lasts: 'day' });
    expect(haloforge(home, 'grant', EDITOR, '--read', docs, '--for', 'once')).toMatchObject({ status: 1, stderr: expect.stringContaining('no app is running') as string });
    expect(haloforge(home, 'grant', EDITOR, '--write', '/tmp')).toMatchObject({ status: 1, stderr: expect.stringContaining('writing in all of /tmp cannot be granted') as string });
    expect(haloforge(home, 'grant', EDITOR, '--read', join(home, 'grants.json'))).toMatchObject({ status: 1, stderr: expect.stringContaining("HaloForge Host's own data") as string });
    expect(haloforge(home, 'grant', EDITOR, '--read', '/nowhere/at/all')).toMatchObject({ status: 1, stderr: expect.stringContaining('does not exist') as string });
    expect(haloforge(home, 'grant', EDITOR)).toMatchObject({ status: 2 });
    const listed = haloforge(home, 'prompts', '--json');
    expect(listed).toMatchObject({ status: 0, stderr: expect.stringContaining('no app is running') as string });
    expect(listed.json()).toEqual([]);
    expect(haloforge(home, 'answer', 'x', 'deny')).toMatchObject({ status: 1, stderr: expect.stringContaining('no app is running') as string });
    expect(haloforge(home, 'grants', '--plugin', EDITOR).json()).toMatchObject([{ folder: docs, permission: 'filesystem_write', lasts: 'day', via: 'granted by command line' }]);
  });
});
