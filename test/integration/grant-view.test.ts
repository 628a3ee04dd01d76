/**
 * Plugins as they ship (design §8.1): samples written the way HaloForge's own are, with plain
 * std::fs on the paths the user chose, no ctx.fs(). The user's grants are the sandbox's view; a
 * path outside it is asked about on first use. Every test judges the real disk, never the
 * plugin's word.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DialogKind } from '../../main/core/dialogs/dialog-types';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { PromptAnswer } from '../../main/core/prompts/prompt-types';
import { startedHost } from '../helpers/hosts';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked, userFolder } from '../helpers/per-test';

const EDITOR = 'dev.haloforge.sample.editor';
const STORY = 'dev.haloforge.sample.story';

/** Both samples running; the scripted user gives `answers` in turn (the last one stands for the rest). */
async function start(answers: PromptAnswer[] = ['deny']) {
  const queue = [...answers];
  const started = await startedHost([{ sample: 'editor' }, { sample: 'story' }], () => (queue.length > 1 ? queue.shift() : queue[0]) ?? 'deny');
  expect(started.host.plugins.get(EDITOR)?.sandbox).toMatchObject({ state: 'sandboxed', summary: expect.stringContaining('grants mounted by its supervisor') as string });
  return started;
}

/** The user picks `path` in the host's file dialog a plugin's frontend opened. */
async function pick(host: Host, pluginId: string, kind: DialogKind, path: string): Promise<string | null> {
  const chosen = host.dialogs.open({ id: pluginId, name: pluginId }, kind, {});
  const request = host.dialogs.pending().at(-1);
  if (!request) throw new Error('no dialog opened');
  host.dialogs.answer(request.id, path, { lasts: 'always', by: 'panel' });
  return chosen;
}

const invoke = (host: Host, pluginId: string, command: string, args: Record<string, unknown>) => host.plugins.invoke(pluginId, command, args);

describe('an editor written the way the public ones are', () => {
  it('opens the file the user picked, and saving it in place asks once to write in its folder; the file on disk changes', async () => {
    const docs = userFolder({ 'notes.md': '# Notes\n' });
    const { host, asked } = await start(['allow-always']);
    const file = join(docs, 'notes.md');
    await expect(pick(host, EDITOR, 'open-file', file)).resolves.toBe(file);
    await expect(invoke(host, EDITOR, 'md_open', { path: file })).resolves.toEqual({ path: file, text: '# Notes\n' });
    expect(asked).toEqual([]);
    await expect(invoke(host, EDITOR, 'md_save', { path: file, text: '# Notes\n\nsaved in place\n' })).resolves.toEqual({ saved: file });
    expect(readFileSync(file, 'utf8')).toBe('# Notes\n\nsaved in place\n');
    expect(asked).toMatchObject([{ kind: 'file', access: 'write', path: file, folder: docs }]);
    // The answer stands: the next save is not asked again.
    await invoke(host, EDITOR, 'md_save', { path: file, text: 'again\n' });
    expect(readFileSync(file, 'utf8')).toBe('again\n');
    expect(asked).toHaveLength(1);
  });

  it('creates a document in a new folder (folders first, then the file) and it is on disk', async () => {
    const docs = userFolder({ 'keep.md': 'kept' });
    const { host, asked } = await start(['allow-session']);
    await pick(host, EDITOR, 'open-folder', docs);
    const created = join(docs, 'drafts', '2026', 'new.md');
    await expect(invoke(host, EDITOR, 'md_create', { path: created, text: 'a new draft' })).resolves.toEqual({ saved: created });
    expect(readFileSync(created, 'utf8')).toBe('a new draft');
    expect(asked).toMatchObject([{ kind: 'file', access: 'write', folder: docs }]);
    expect(host.grants.listFiles(EDITOR)).toMatchObject([
      { folder: docs, permission: 'filesystem_read', lasts: 'always' },
      { folder: docs, permission: 'filesystem_write', lasts: 'session' },
    ]);
  });

  it('saves as a file chosen in the save dialog that does not exist yet: it reaches the disk, and nothing else of its folder is shown', async () => {
    const docs = userFolder({ 'private.txt': 'not chosen' });
    const { host, asked } = await start(['deny']);
    const target = join(docs, 'exported.md');
    await pick(host, EDITOR, 'save-file', target);
    await expect(invoke(host, EDITOR, 'md_save_as', { path: target, text: 'exported text' })).resolves.toEqual({ saved: target });
    expect(readFileSync(target, 'utf8')).toBe('exported text');
    expect(asked).toEqual([]);
    // Once it exists it is mounted, and the plugin can open it again.
    await expect(invoke(host, EDITOR, 'md_open', { path: target })).resolves.toEqual({ path: target, text: 'exported text' });
    // A sibling nobody chose is asked about, and refused: the plugin finds no such file.
    await expect(invoke(host, EDITOR, 'md_open', { path: join(docs, 'private.txt') })).rejects.toThrow(/^Not found: .*private\.txt is not a file$/);
    expect(asked).toMatchObject([{ kind: 'file', access: 'read', path: join(docs, 'private.txt') }]);
  });

  it('saves an image into images/ beside its document, asking once for the document folder', async () => {
    const docs = userFolder({ 'post.md': '# Post\n' });
    const { host, asked } = await start(['allow-always']);
    const doc = join(docs, 'post.md');
    await pick(host, EDITOR, 'open-file', doc);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await expect(invoke(host, EDITOR, 'md_save_image', { document: doc, name: 'shot.png', data: png.toString('base64') })).resolves.toMatchObject({ markdown: '![shot.png](images/shot.png)' });
    expect(readFileSync(join(docs, 'images', 'shot.png'))).toEqual(png);
    expect(asked).toMatchObject([{ kind: 'file', access: 'write', folder: docs }]);
  });

  it('prunes the recents whose file is gone from the disk, while it runs, and keeps the others', async () => {
    const docs = userFolder({ 'a.md': 'a', 'b.md': 'b' });
    const { host, asked } = await start(['deny']);
    for (const name of ['a.md', 'b.md']) {
      await pick(host, EDITOR, 'open-file', join(docs, name));
      await invoke(host, EDITOR, 'md_open', { path: join(docs, name) });
    }
    rmSync(join(docs, 'b.md'));
    await expect(invoke(host, EDITOR, 'md_prune_missing_recent_files', {})).resolves.toEqual({ pruned: [join(docs, 'b.md')] });
    await expect(invoke(host, EDITOR, 'md_recent_files', {})).resolves.toEqual({ files: [join(docs, 'a.md')] });
    expect(asked).toEqual([]);
  });

  it('follows a link of the user\'s to a folder granted by its real path, as the plugin names it', async () => {
    const real = userFolder({ 'deep.md': 'behind a link' });
    const links = userFolder();
    const { symlinkSync } = await import('node:fs');
    symlinkSync(real, join(links, 'Documents'));
    const { host, asked } = await start(['deny']);
    await pick(host, EDITOR, 'open-folder', join(links, 'Documents'));
    expect(host.grants.listFiles(EDITOR)).toMatchObject([{ folder: real }]);
    await expect(invoke(host, EDITOR, 'md_open', { path: join(links, 'Documents', 'deep.md') })).resolves.toEqual({ path: join(links, 'Documents', 'deep.md'), text: 'behind a link' });
    await expect(invoke(host, EDITOR, 'md_open', { path: join(real, 'deep.md') })).resolves.toMatchObject({ text: 'behind a link' });
    expect(asked).toEqual([]);
  });

  it('sees a file replaced on disk by another program (an atomic save), not the old one', async () => {
    const docs = userFolder({ 'shared.md': 'first version' });
    const { host } = await start();
    const file = join(docs, 'shared.md');
    await pick(host, EDITOR, 'open-file', file);
    await expect(invoke(host, EDITOR, 'md_open', { path: file })).resolves.toMatchObject({ text: 'first version' });
    writeFileSync(join(docs, '.shared.md.tmp'), 'second version');
    const { renameSync } = await import('node:fs');
    renameSync(join(docs, '.shared.md.tmp'), file);
    await expect.poll(() => invoke(host, EDITOR, 'md_open', { path: file }).then((r) => (r as { text: string }).text)).toBe('second version');
  });

  it('never tells the user "saved" for a file that did not reach the disk: a refused write is an error it returns', async () => {
    const docs = userFolder();
    const { host, asked } = await start(['deny']);
    const target = join(docs, 'nowhere.md');
    await expect(invoke(host, EDITOR, 'md_create', { path: target, text: 'lost?' })).rejects.toThrow(/^IO error: cannot (create the folder|write) .*: Permission denied \(os error 13\)$/);
    expect(existsSync(target)).toBe(false);
    expect(asked[0]).toMatchObject({ kind: 'file', access: 'write', folder: docs });
    expect(host.audit.query({ pluginId: EDITOR })[0]).toMatchObject({ method: 'FILE', decision: 'deny', prompt: 'deny' });
  });

  it('holds a revocation on the very next call: the folder is gone from its view at once', async () => {
    const docs = userFolder({ 'a.md': 'before' });
    const { host, asked } = await start(['allow-always', 'deny']);
    const file = join(docs, 'a.md');
    await invoke(host, EDITOR, 'md_save', { path: file, text: 'while granted' });
    expect(readFileSync(file, 'utf8')).toBe('while granted');
    const grant = host.grants.listFiles(EDITOR)[0];
    if (!grant) throw new Error('no grant');
    host.grants.revoke(grant.id, 'panel');
    await expect(invoke(host, EDITOR, 'md_save', { path: file, text: 'after revoking' })).rejects.toThrow(/Permission denied/);
    expect(readFileSync(file, 'utf8')).toBe('while granted');
    expect(asked.map((p) => p.kind === 'file' && p.access)).toEqual(['write', 'write']);
  });
});

describe('a grant that changes while the plugin runs', () => {
  it('narrowed to read-only, stops writes at once; reads go on', async () => {
    const docs = userFolder({ 'a.md': 'before' });
    const { host } = await start(['allow-always', 'deny']);
    const file = join(docs, 'a.md');
    await invoke(host, EDITOR, 'md_save', { path: file, text: 'while writable' });
    const grant = host.grants.listFiles(EDITOR)[0];
    if (!grant) throw new Error('no grant');
    host.grants.narrow(grant.id, 'read', 'panel');
    await expect(invoke(host, EDITOR, 'md_save', { path: file, text: 'after narrowing' })).rejects.toThrow(/Permission denied/);
    await expect(invoke(host, EDITOR, 'md_open', { path: file })).resolves.toMatchObject({ text: 'while writable' });
    expect(readFileSync(file, 'utf8')).toBe('while writable');
  });

  it('lapsing on its own (a 24-hour grant at its end) leaves the view when it does, and lasting grants are there from the start', async () => {
    const docs = userFolder({ 'soon.md': 'lapses', 'kept.md': 'stays' });
    const home = scratchHome();
    installSample(home, { sample: 'editor' });
    const now = Date.now();
    const terms = (id: string, lasts: 'day' | 'always', expiresAt: string | null) => ({ id, pluginId: EDITOR, createdAt: new Date(now).toISOString(), via: 'the test', lasts, expiresAt, lastUsedAt: null });
    writeFileSync(
      join(home, 'grants.json'),
      JSON.stringify({
        version: 2,
        localNetwork: [],
        grants: [
          { ...terms('a', 'day', new Date(now + 3000).toISOString()), permission: 'filesystem_read', folder: join(docs, 'soon.md') },
          { ...terms('b', 'always', null), permission: 'filesystem_read', folder: join(docs, 'kept.md') },
        ],
      }),
    );
    const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), asker: async () => 'deny' }));
    host.plugins.discover();
    await host.plugins.approve(EDITOR, 'all');
    await host.start();
    await expect(invoke(host, EDITOR, 'md_open', { path: join(docs, 'soon.md') })).resolves.toMatchObject({ text: 'lapses' });
    await expect(invoke(host, EDITOR, 'md_open', { path: join(docs, 'kept.md') })).resolves.toMatchObject({ text: 'stays' });
    await expect.poll(() => invoke(host, EDITOR, 'md_open', { path: join(docs, 'soon.md') }).then(() => 'readable', (e: Error) => e.message), { timeout: 10_000 }).toMatch(/^Not found/);
    await expect(invoke(host, EDITOR, 'md_open', { path: join(docs, 'kept.md') })).resolves.toMatchObject({ text: 'stays' });
  });
});

describe('a folder reader and writer whose index names the files beside it', () => {
  it('reads the story the user picked and writes its chapters and index back, on disk', async () => {
    const story = userFolder({ 'story.json': JSON.stringify({ title: 'Dunes', chapters: ['one.md', 'two.md'] }), 'one.md': 'Sand.', 'two.md': 'More sand.' });
    const { host, asked } = await start(['allow-always']);
    await pick(host, STORY, 'open-folder', story);
    await expect(invoke(host, STORY, 'open_story', { folder: story })).resolves.toEqual({ title: 'Dunes', chapters: [{ file: 'one.md', text: 'Sand.' }, { file: 'two.md', text: 'More sand.' }] });
    expect(asked).toEqual([]);
    await invoke(host, STORY, 'save_story', { folder: story, title: 'Dunes', chapters: [{ file: 'one.md', text: 'Sand, edited.' }, { file: 'three.md', text: 'A storm.' }] });
    expect(JSON.parse(readFileSync(join(story, 'story.json'), 'utf8'))).toEqual({ title: 'Dunes', chapters: ['one.md', 'three.md'] });
    expect(readFileSync(join(story, 'one.md'), 'utf8')).toBe('Sand, edited.');
    expect(readFileSync(join(story, 'three.md'), 'utf8')).toBe('A storm.');
    expect(readdirSync(story).sort()).toEqual(['one.md', 'story.json', 'three.md', 'two.md']);
    expect(asked).toMatchObject([{ kind: 'file', access: 'write', folder: story }]);
  });
});
