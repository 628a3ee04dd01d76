import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GrantStore } from '../grants/store';
import type { Logger } from '../log/logger';
import { FileDialogs } from './file-dialogs';
import type { FileDialogRequest } from './dialog-types';

/** A pick kept always, as a panel answers when the user chose "always". */
const ALWAYS = { lasts: 'always', by: 'panel' } as const;

let root: string;
let shown: FileDialogRequest[];
let grants: GrantStore;
const quiet: Logger = { log: () => undefined };
const plugin = { id: 'dev.t.p', name: 'T\u202Egpj' };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hf-dialogs-'));
  mkdirSync(join(root, 'home', 'plugins'), { recursive: true });
  mkdirSync(join(root, 'work', 'sub'), { recursive: true });
  writeFileSync(join(root, 'work', 'a.txt'), 'a');
  shown = [];
  grants = new GrantStore(join(root, 'home', 'grants.json'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const dialogs = (timeoutMs = 60_000) => new FileDialogs({ grants, logger: quiet, protectedRoots: [join(root, 'home')], timeoutMs, announce: (p) => (shown = p) });

describe("the host's file dialogs", () => {
  it('shows what the plugin asked, made safe, and opens where it suggested', () => {
    const d = dialogs();
    void d.open(plugin, 'open-file', { title: 'Pick\none', directory: join(root, 'work'), filters: [{ name: 'Text', extensions: ['txt', '../x'] }] });
    expect(shown).toEqual([expect.objectContaining({ pluginName: 'T<U+202E>gpj', kind: 'open-file', title: 'Pick one', directory: join(root, 'work'), filters: [{ name: 'Text', extensions: ['txt'] }] })]);
  });

  it('grants the plugin exactly what the user chose, and resolves with it', async () => {
    const d = dialogs();
    const answer = d.open(plugin, 'open-file', {});
    expect(d.answer(shown[0]?.id as string, join(root, 'work', 'a.txt'), ALWAYS)).toBe(true);
    await expect(answer).resolves.toBe(join(root, 'work', 'a.txt'));
    expect(grants.listFiles('dev.t.p')).toEqual([expect.objectContaining({ permission: 'filesystem_read', folder: join(root, 'work', 'a.txt'), lasts: 'always' })]);
    expect(shown).toEqual([]);
  });

  it('keeps the dialog open on a path that does not fit, and never grants the host its own data', async () => {
    const d = dialogs();
    void d.open(plugin, 'open-folder', {});
    const id = shown[0]?.id as string;
    expect(() => d.answer(id, join(root, 'work', 'a.txt'), ALWAYS)).toThrow('is not a folder');
    expect(() => d.answer(id, join(root, 'home', 'plugins'), ALWAYS)).toThrow("holds HaloForge Host's own data or code");
    expect(() => d.browse(join(root, 'home'))).toThrow("holds HaloForge Host's own data or code");
    expect(() => d.answer(id, 'relative/path', ALWAYS)).toThrow('choose an absolute path');
    expect(grants.listFiles()).toEqual([]);
    expect(shown).toHaveLength(1);
  });

  it('grants writing a file chosen to save, and lists folders first', async () => {
    const d = dialogs();
    const answer = d.open(plugin, 'save-file', { defaultName: '../evil.txt' });
    expect(shown[0]?.defaultName).toBe('.._evil.txt');
    expect(d.browse(join(root, 'work')).entries).toEqual([{ name: 'sub', folder: true }, { name: 'a.txt', folder: false }]);
    d.answer(shown[0]?.id as string, join(root, 'work', 'new.txt'), ALWAYS);
    await expect(answer).resolves.toBe(join(root, 'work', 'new.txt'));
    expect(grants.listFiles()[0]).toMatchObject({ permission: 'filesystem_write', folder: join(root, 'work', 'new.txt') });
  });

  it('resolves null, granting nothing, when cancelled or left unanswered', async () => {
    const d = dialogs(50);
    const cancelled = d.open(plugin, 'open-folder', {});
    d.answer(shown[0]?.id as string, null, ALWAYS);
    await expect(cancelled).resolves.toBeNull();
    await expect(d.open(plugin, 'open-folder', {})).resolves.toBeNull();
    expect(grants.listFiles()).toEqual([]);
  });
});
