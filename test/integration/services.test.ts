import { readFileSync, symlinkSync } from 'node:fs';
import { decisions } from '../helpers/hosts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { Asker, PermissionPrompt } from '../../main/core/prompts/prompt-types';
import { installSample, root } from '../helpers/fixtures';
import { scratchHome, tracked, userFolder } from '../helpers/per-test';

const NOTES = 'dev.haloforge.sample.notes';
const MISBEHAVE = 'dev.haloforge.test.misbehave';


interface Seen {
  events: Array<{ pluginId: string; name: string; payload: unknown }>;
  notifications: Array<{ pluginId: string; title: string }>;
}

async function start(home?: string): Promise<{ host: Host; home: string; seen: Seen }> {
  let h = home;
  if (!h) {
    h = scratchHome();
    installSample(h, { sample: 'notes' });
    installSample(h, { sample: 'misbehave' });
  }
  const seen: Seen = { events: [], notifications: [] };
  const host = tracked(createHost({
    home: h,
    logger: new FileLogger(homeLayout(h).logs, ''),
    onPluginEvent: (pluginId, name, payload) => seen.events.push({ pluginId, name, payload }),
    onNotify: (pluginId, n) => seen.notifications.push({ pluginId, title: n.title }),
  }));
  host.plugins.discover();
  await host.plugins.approve(NOTES, 'all');
  await host.start();
  return { host, home: h, seen };
}

describe('a plugin shaped like the real ones', () => {
  it('keeps rows in its own table with hand-built SQL, emits an event and shows a notification', async () => {
    const { host, seen } = await start();
    await expect(host.plugins.invoke(NOTES, 'add_note', { text: "it's a note" })).resolves.toEqual({ saved: true });
    await host.plugins.invoke(NOTES, 'add_note', { text: 'second' });
    const { notes } = (await host.plugins.invoke(NOTES, 'list_notes', {})) as { notes: Array<{ id: number; text: string; created_at: string }> };
    expect(notes.map((n) => n.text)).toEqual(["it's a note", 'second']);
    expect(notes[0]?.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await expect.poll(() => seen.events).toEqual([
      { pluginId: NOTES, name: 'note_added', payload: { length: 11 } },
      { pluginId: NOTES, name: 'note_added', payload: { length: 6 } },
    ]);
    expect(seen.notifications).toEqual([
      { pluginId: NOTES, title: 'Note saved' },
      { pluginId: NOTES, title: 'Note saved' },
    ]);
  });

  it('reads its settings over the schema defaults, saves them, and they survive a restart', async () => {
    const first = await start();
    await expect(first.host.plugins.invoke(NOTES, 'get_settings', {})).resolves.toEqual({ title: 'Notes', max_notes: 100, style: 'plain', sync_enabled: false });
    await first.host.plugins.invoke(NOTES, 'save_settings', { settings: { title: 'Mine', max_notes: 1, api_key: 'sk-test-1234567890abcdef' } });
    await expect.poll(() => first.host.plugins.invoke(NOTES, 'settings_changes', {})).toEqual({ count: 1 });
    await first.host.plugins.invoke(NOTES, 'add_note', { text: 'one' });
    await expect(first.host.plugins.invoke(NOTES, 'add_note', { text: 'two' })).rejects.toThrow('at most 1 notes (see settings)');
    await first.host.shutdown();
    const logs = first.host.logger.tail(500).map((r) => r.message).join('\n');
    expect(logs).not.toContain('sk-test-1234567890abcdef');

    const second = await start(first.home);
    await expect(second.host.plugins.invoke(NOTES, 'get_settings', {})).resolves.toMatchObject({ title: 'Mine', max_notes: 1, style: 'plain' });
    const { notes } = (await second.host.plugins.invoke(NOTES, 'list_notes', {})) as { notes: unknown[] };
    expect(notes).toHaveLength(1);
  });

  it('gets settings saved from a panel through on_settings_changed, checked against the schema', async () => {
    const { host } = await start();
    expect(host.settings.of(NOTES).schema?.properties?.api_key).toMatchObject({ format: 'password' });
    expect(() => host.settings.saveFromPanel(NOTES, { max_notes: 'many' })).toThrow('settings of dev.haloforge.sample.notes not saved: max_notes must be an integer');
    host.settings.saveFromPanel(NOTES, { title: 'From the panel', style: 'markdown' });
    await expect.poll(() => host.plugins.invoke(NOTES, 'settings_changes', {})).toEqual({ count: 1 });
    await expect(host.plugins.invoke(NOTES, 'get_settings', {})).resolves.toMatchObject({ title: 'From the panel', style: 'markdown' });
  });

  it('hears the app events it subscribed to, on its own threads', async () => {
    const { host } = await start();
    host.plugins.appEvent({ type: 'theme_changed' }, { theme: 'dark' });
    await expect.poll(() => host.plugins.invoke(NOTES, 'last_theme', {})).toEqual({ theme: 'dark' });
    host.settings.saveFromPanel(NOTES, { title: 'x' });
    await expect.poll(() => host.plugins.invoke(NOTES, 'settings_events', {})).toEqual([{ pluginId: NOTES }]);
  });
});

describe('the plugin database', () => {
  it.each([
    ['a table of another name', 'CREATE TABLE launch_profiles (id TEXT)', /^Permission denied: the statement creates table launch_profiles, which is not one of this plugin's tables \(plugin_dev_haloforge_test_misbehave_\*\)$/],
    ["another plugin's table", 'SELECT * FROM plugin_dev_haloforge_git_repos', /Permission denied|no such table/],
    ['ATTACH', "ATTACH DATABASE '/tmp/elsewhere.sqlite' AS elsewhere", /^Permission denied: the statement attaches database/],
    ['a pragma that matters', 'PRAGMA journal_mode = OFF', /^Permission denied: the statement runs PRAGMA journal_mode/],
    ['writable_schema', 'PRAGMA writable_schema = ON', /^Permission denied: the statement runs PRAGMA writable_schema/],
  ])('refuses %s', async (_what, sql, message) => {
    const { host } = await start();
    await expect(host.plugins.invoke(MISBEHAVE, 'sql', { sql })).rejects.toThrow(message);
  });

  it('lets a plugin use its own tables freely', async () => {
    const { host } = await start();
    await host.plugins.invoke(MISBEHAVE, 'sql', { sql: 'CREATE TABLE plugin_dev_haloforge_test_misbehave_t (v INTEGER)' });
    await host.plugins.invoke(MISBEHAVE, 'sql', { sql: 'INSERT INTO plugin_dev_haloforge_test_misbehave_t VALUES (7)' });
    await expect(host.plugins.invoke(MISBEHAVE, 'sql', { sql: 'SELECT v FROM plugin_dev_haloforge_test_misbehave_t', query: true })).resolves.toEqual({ rows: [{ v: 7 }] });
  });
});

describe('ctx.fs() and ctx.process()', () => {
  async function startWith(permissions: Array<{ type: string; value?: unknown }>, asker?: Asker) {
    const home = scratchHome();
    installSample(home, { sample: 'misbehave', manifest: (m) => (m.permissions = permissions) });
    const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), asker }));
    host.plugins.discover();
    await host.plugins.approve(MISBEHAVE, 'all');
    await host.start();
    return host;
  }

  it('are absent without their permissions', async () => {
    const host = await startWith([]);
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'true' })).rejects.toThrow('Permission denied: ctx.process() is not available');
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: 'x' })).rejects.toThrow('Permission denied: ctx.fs() is not available');
  });

  it('run only whitelisted programs, and every spawn and refusal is audited', async () => {
    const host = await startWith([{ type: 'process_spawn_whitelist', value: ['true'] }]);
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'true' })).resolves.toMatchObject({ exit_code: 0 });
    await expect(host.plugins.invoke(MISBEHAVE, 'run', { exe: 'sh', args: ['-c', 'id'] })).rejects.toThrow('Permission denied: sh is not in the plugin\'s process_spawn_whitelist (true)');
    // The plugin has no network permission: neither has the program.
    await expect.poll(() => decisions(host, { pluginId: MISBEHAVE }).map((e) => [e.event, e.method, e.url, e.decision, e.rule, e.status ?? null])).toEqual([
      ['decision', 'SPAWN', 'process:true', 'allow', 'process_spawn_whitelist', null],
      ['response', 'SPAWN', 'process:true', 'allow', 'process_spawn_whitelist', 0],
      ['decision', 'SPAWN', 'process:sh', 'deny', 'process_spawn_whitelist', null],
    ]);
    expect(decisions(host)[0]?.reason).toBe('/usr/bin/true in /run/haloforge-tmp; network none; environment PATH=/usr/local/bin:/usr/bin:/bin HOME=/run/haloforge-tmp TMPDIR=/run/haloforge-tmp LANG=C.UTF-8');
  });

  it("ask the user before a plugin first reads the user's files in a folder, then the folder is in its view: one decision, audited", async () => {
    const docs = userFolder({ 'a.txt': 'first', 'b.txt': 'second' });
    const asked: PermissionPrompt[] = [];
    const host = await startWith([{ type: 'filesystem_read' }], async (p) => {
      asked.push(p);
      return 'allow-always';
    });
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: join(docs, 'a.txt') })).resolves.toEqual({ text: 'first' });
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: join(docs, 'b.txt') })).resolves.toEqual({ text: 'second' });
    expect(asked).toMatchObject([{ kind: 'file', access: 'read', path: join(docs, 'a.txt'), folder: docs, permission: 'filesystem_read', tier: 'Sensitive' }]);
    expect(host.grants.listFiles(MISBEHAVE)).toMatchObject([{ folder: docs, permission: 'filesystem_read' }]);
    // The second read was in the view the first decision made: the kernel served it, nobody decided.
    expect(decisions(host).map((e) => [e.method, e.url, e.decision, e.rule, e.prompt ?? null])).toEqual([['FILE', `file://${join(docs, 'a.txt')}`, 'allow', 'grant', 'allow-always']]);
    // Granted for reading: a write fails, and without filesystem_write nobody is asked.
    await expect(host.plugins.invoke(MISBEHAVE, 'write_file', { path: join(docs, 'a.txt'), text: 'changed' })).rejects.toThrow(/^IO error: write .*a\.txt: Read-only file system/);
    expect(readFileSync(join(docs, 'a.txt'), 'utf8')).toBe('first');
    expect(asked).toHaveLength(1);
  });

  it("never show the host's own state or code, whatever the user would answer; a link out of the view leads nowhere", async () => {
    const asked: PermissionPrompt[] = [];
    const host = await startWith([{ type: 'filesystem_read' }], async (p) => {
      asked.push(p);
      return 'allow-always';
    });
    // The app's sources (what the plugin host runs from is in view, read-only; nothing else of it).
    for (const path of [join(host.layout.home, 'grants.json'), join(host.layout.home, 'audit.jsonl'), join(root, 'main', 'core', 'host.ts')]) {
      await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path })).rejects.toThrow(/^Permission denied: read .*: Permission denied/);
    }
    expect(asked).toEqual([]);
    expect(decisions(host, { decision: 'deny' }).map((e) => [e.rule, e.reason])).toEqual([
      ['host-state', expect.stringContaining('belongs to HaloForge Host itself') as string],
      ['host-state', expect.stringContaining('belongs to HaloForge Host itself') as string],
      ['host-state', expect.stringContaining('belongs to HaloForge Host itself') as string],
    ]);
    // A link the plugin made in its own folder is followed by the kernel, inside the view, where
    // the host's files are not: there is nothing to ask about, and nothing to read.
    symlinkSync(join(host.layout.home, 'plugins.json'), join(host.layout.plugins, MISBEHAVE, 'data', 'innocent.txt'));
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: 'innocent.txt' })).rejects.toThrow(/^IO error: read .*innocent\.txt: No such file or directory/);
    expect(asked).toEqual([]);
  });

  it('refuse a file access the user denies, with EACCES the plugin sees', async () => {
    const docs = userFolder({ 'a.txt': 'secret' });
    const host = await startWith([{ type: 'filesystem_read' }], async () => 'deny');
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: join(docs, 'a.txt') })).rejects.toThrow(/^Permission denied: read .*a\.txt: Permission denied \(os error 13\)$/);
    expect(decisions(host)).toMatchObject([{ method: 'FILE', decision: 'deny', rule: 'prompt:deny', prompt: 'deny' }]);
  });

  it('keep app-data file access inside the data folder: nothing else is in view, and nobody is asked', async () => {
    const docs = userFolder({ 'a.txt': 'secret' });
    const asked: PermissionPrompt[] = [];
    const host = await startWith([{ type: 'filesystem_read_app_data' }], async (p) => {
      asked.push(p);
      return 'allow-always';
    });
    await expect(host.plugins.invoke(MISBEHAVE, 'read_file', { path: join(docs, 'a.txt') })).rejects.toThrow(/^IO error: read .*a\.txt: No such file or directory/);
    await expect(host.plugins.invoke(MISBEHAVE, 'write_file', { path: 'mine.txt', text: 'x' })).rejects.toThrow(/^Permission denied: changing .*mine\.txt in the plugin's data folder through ctx\.fs\(\) needs filesystem_write_app_data$/);
    expect(asked).toEqual([]);
    expect(decisions(host)).toEqual([]);
  });
});

describe('cross-plugin calls', () => {
  it('are refused unless the target exports the command, and audited either way', async () => {
    const home = scratchHome();
    installSample(home, { sample: 'hello', manifest: (m) => (m.commands = [{ id: 'ping', exported: true }]) });
    installSample(home, { sample: 'notes' });
    const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, '') }));
    host.plugins.discover();
    await host.plugins.approve(NOTES, 'all');
    await host.start();
    await expect(host.plugins.invokeAs(NOTES, 'plugin_dev_example_my_plugin_ping', { a: 1 })).resolves.toEqual({ ok: true, echo: { a: 1 } });
    await expect(host.plugins.invokeAs('dev.example.my-plugin', 'plugin_dev_haloforge_sample_notes_list_notes', {})).rejects.toThrow(/^Permission denied: plugin dev\.example\.my-plugin may not call plugin_dev_haloforge_sample_notes_list_notes: dev\.haloforge\.sample\.notes does not export 'list_notes'/);
    await expect(host.plugins.invokeAs(NOTES, 'plugin_dev_haloforge_sample_notes_list_notes', {})).resolves.toEqual({ notes: [] });
    expect(decisions(host).map((e) => [e.pluginId, e.method, e.url, e.decision])).toEqual([
      [NOTES, 'INVOKE', 'plugin://dev.example.my-plugin/ping', 'allow'],
      ['dev.example.my-plugin', 'INVOKE', 'plugin://dev.haloforge.sample.notes/list_notes', 'deny'],
    ]);
  });
});
