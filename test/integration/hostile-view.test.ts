/**
 * A hostile plugin against the grant view (design §8.1): what the user granted is mounted in its
 * sandbox, and it tries to reach past it with its own native code. Each attack is judged from
 * outside: the real disk, the host's own files, the prompts shown and the audit.
 */
import { execFileSync } from 'node:child_process';
import { constants, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../main/core/host';
import type { PromptAnswer } from '../../main/core/prompts/prompt-types';
import { startedHost } from '../helpers/hosts';
import { homeLayout } from '../../main/core/paths';
import { userFolder } from '../helpers/per-test';

const MISBEHAVE = 'dev.haloforge.test.misbehave';
const FILES = [{ type: 'filesystem_read' }, { type: 'filesystem_write' }];

async function start(opts: { permissions?: Array<{ type: string; value?: unknown }>; answer?: PromptAnswer; home?: string } = {}) {
  const started = await startedHost([{ sample: 'misbehave', manifest: (m) => (m.permissions = opts.permissions ?? FILES) }], () => opts.answer ?? 'deny', opts.home);
  expect(started.host.plugins.get(MISBEHAVE)?.sandbox.state).toBe('sandboxed');
  return started;
}

/** Whether a process on this machine has `text` on its command line (gone: read as none). */
function anyProcessNaming(text: string): boolean {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

const attack = (host: Host, command: string, args: Record<string, unknown>) => host.plugins.invoke(MISBEHAVE, command, args);
const grant = (host: Host, folder: string, write: boolean) => host.grants.addFile({ pluginId: MISBEHAVE, permission: write ? 'filesystem_write' : 'filesystem_read', folder, via: 'the test', lasts: 'always' }, 'panel');

describe('a hostile plugin with a folder granted', () => {
  it('swaps a link in the granted folder between a file and a link to a secret as fast as it can, and never reads the secret', async () => {
    const granted = userFolder();
    const secrets = userFolder({ id_rsa: '-----BEGIN OPENSSH PRIVATE KEY----- bait' });
    const { host, asked } = await start();
    grant(host, granted, true);
    const { seen } = (await attack(host, 'race_link', { link: join(granted, 'swap'), bait: join(secrets, 'id_rsa'), rounds: 3000 })) as { seen: string[] };
    expect(seen).toContain('harmless');
    expect(seen.filter((s) => s.includes('PRIVATE KEY'))).toEqual([]);
    // A link that points out leads nowhere: there is nothing to ask about.
    await attack(host, 'symlink_raw', { target: secrets, path: join(granted, 'out') });
    await expect(attack(host, 'read_raw', { path: join(granted, 'out', 'id_rsa') })).rejects.toThrow(/No such file or directory/);
    expect(asked).toEqual([]);
  });

  it('climbs out with `..`: that names another folder, which is asked about as the path it names, and refused', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const secrets = userFolder({ id_rsa: 'bait' });
    const { host, asked } = await start();
    grant(host, granted, false);
    const climb = join(granted, '..', secrets.split('/').pop() as string, 'id_rsa');
    await expect(attack(host, 'read_raw', { path: climb })).rejects.toThrow(/Permission denied/);
    expect(asked).toMatchObject([{ kind: 'file', access: 'read', path: join(secrets, 'id_rsa'), folder: secrets }]);
    expect(host.audit.query({ decision: 'deny' })).toMatchObject([{ method: 'FILE', url: `file://${join(secrets, 'id_rsa')}`, prompt: 'deny' }]);
  });

  it('cannot mount, unmount, move its root or make namespaces of its own, and the view stays as granted', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const { host } = await start();
    grant(host, granted, false);
    const results = (await attack(host, 'remount_attempts', { path: granted })) as Record<string, string>;
    expect(Object.entries(results).filter(([, outcome]) => outcome === 'succeeded')).toEqual([]);
    await expect(attack(host, 'read_raw', { path: join(granted, 'mine.txt') })).resolves.toEqual({ text: 'mine' });
    // Granted for reading: writing is asked (refused here), never done.
    await expect(attack(host, 'write_raw', { path: join(granted, 'mine.txt'), text: 'changed' })).rejects.toThrow(/Permission denied/);
    expect(readFileSync(join(granted, 'mine.txt'), 'utf8')).toBe('mine');
  });

  it('cannot install a seccomp filter of its own, so no listener of its own takes the calls its supervisor answers', async () => {
    const { host } = await start();
    await expect(attack(host, 'own_listener', {})).resolves.toEqual({ listener: 'PermissionDenied', prctl: 'PermissionDenied' });
  });

  it('sees neither the data folder nor grants.json inside a folder granted around them, and its own data folder still works', async () => {
    // A data folder inside a folder the user grants for writing, as ~/.haloforge is inside ~.
    const around = userFolder();
    const home = join(around, 'haloforge');
    mkdirSync(home);
    const { host } = await start({ home });
    writeFileSync(join(around, 'notes.txt'), 'the user\'s own');
    grant(host, around, true);
    await expect(attack(host, 'read_raw', { path: join(around, 'notes.txt') })).resolves.toEqual({ text: "the user's own" });
    await expect(attack(host, 'read_raw', { path: join(home, 'grants.json') })).rejects.toThrow(/No such file or directory/);
    await expect(attack(host, 'list_raw', { path: home })).resolves.toEqual({ names: ['plugins'] });
    await expect(attack(host, 'list_raw', { path: join(home, 'plugins') })).resolves.toEqual({ names: [MISBEHAVE] });
    await expect(attack(host, 'write_raw', { path: join(home, 'grants.json'), text: '{"forged":true}' })).rejects.toThrow(/Read-only file system/);
    await expect(attack(host, 'rename_raw', { from: home, to: join(around, 'moved') })).rejects.toThrow(/busy/i);
    // Its own data folder, inside the mask, is as writable as before.
    const mine = join(home, 'plugins', MISBEHAVE, 'data', 'mine.txt');
    await expect(attack(host, 'write_raw', { path: mine, text: 'kept' })).resolves.toEqual({ written: mine });
    expect(readFileSync(mine, 'utf8')).toBe('kept');
    expect(JSON.parse(readFileSync(join(home, 'grants.json'), 'utf8'))).not.toHaveProperty('forged');
    expect(existsSync(join(around, 'moved'))).toBe(false);
    expect(readdirSync(around).sort()).toEqual(['haloforge', 'notes.txt']);
  });

  it('is never shown the data folder itself, whatever is granted', async () => {
    const { host, home, asked } = await start({ answer: 'allow-always' });
    grant(host, home, true);
    grant(host, join(home, 'grants.json'), true);
    await expect(attack(host, 'read_raw', { path: join(home, 'grants.json') })).rejects.toThrow(/Permission denied/);
    await expect(attack(host, 'write_raw', { path: join(home, 'plugins.json'), text: 'forged' })).rejects.toThrow(/Permission denied/);
    expect(asked).toEqual([]);
    expect(host.audit.query({ decision: 'deny' }).map((e) => e.rule)).toEqual(['host-state', 'host-state']);
    expect(readFileSync(join(home, 'plugins.json'), 'utf8')).not.toContain('forged');
  });

  it('loses a revoked folder on its very next call', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const { host } = await start();
    const g = grant(host, granted, true);
    await expect(attack(host, 'read_raw', { path: join(granted, 'mine.txt') })).resolves.toEqual({ text: 'mine' });
    host.grants.revoke(g.id, 'panel');
    await expect(attack(host, 'read_raw', { path: join(granted, 'mine.txt') })).rejects.toThrow(/Permission denied/);
    await expect(attack(host, 'write_raw', { path: join(granted, 'mine.txt'), text: 'after' })).rejects.toThrow(/Permission denied/);
    expect(readFileSync(join(granted, 'mine.txt'), 'utf8')).toBe('mine');
  });

  it('keeps nothing of a revoked folder it held open: its plugin host is started again, and nothing more is written there', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const other = userFolder();
    const { host } = await start();
    const g = grant(host, granted, true);
    const o = grant(host, other, false);
    await attack(host, 'hold_open', { path: granted });
    await expect(attack(host, 'write_in_held', { name: 'while-granted.txt', text: 'allowed' })).resolves.toEqual({ written: true });
    expect(readFileSync(join(granted, 'while-granted.txt'), 'utf8')).toBe('allowed');
    // Taking away a grant it holds nothing of leaves it running.
    const pid = host.plugins.pidOf(MISBEHAVE);
    host.grants.revoke(o.id, 'panel');
    await expect(attack(host, 'write_in_held', { name: 'still-granted.txt', text: 'allowed' })).resolves.toEqual({ written: true });
    expect(host.plugins.pidOf(MISBEHAVE)).toBe(pid);
    host.grants.revoke(g.id, 'panel');
    await expect.poll(() => host.plugins.pidOf(MISBEHAVE)).not.toBe(pid);
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state).toBe('active');
    await expect(attack(host, 'write_in_held', { name: 'after-revoke.txt', text: 'kept a door' })).rejects.toThrow(/nothing is held open/);
    expect(readdirSync(granted).sort()).toEqual(['mine.txt', 'still-granted.txt', 'while-granted.txt']);
  });

  it('keeps no folder of a grant narrowed to reading open, since files could be made through it', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const { host } = await start();
    const g = grant(host, granted, true);
    await attack(host, 'hold_open', { path: granted });
    const pid = host.plugins.pidOf(MISBEHAVE);
    host.grants.narrow(g.id, 'read', 'panel');
    await expect.poll(() => host.plugins.pidOf(MISBEHAVE)).not.toBe(pid);
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state).toBe('active');
    await expect(attack(host, 'write_in_held', { name: 'made.txt', text: 'x' })).rejects.toThrow(/nothing is held open/);
    await expect(attack(host, 'read_raw', { path: join(granted, 'mine.txt') })).resolves.toEqual({ text: 'mine' });
    expect(readdirSync(granted)).toEqual(['mine.txt']);
  });

  it('keeps nothing of a revoked folder open in a program it runs either: the program ends with its plugin host', async () => {
    const granted = userFolder();
    const fifo = join(granted, 'wait');
    execFileSync('mkfifo', [fifo]);
    const { host } = await start({ permissions: [...FILES, { type: 'process_spawn_whitelist', value: ['sh'] }] });
    const g = grant(host, granted, true);
    const pid = host.plugins.pidOf(MISBEHAVE);
    // The shell keeps the log open for appending, then waits on the fifo before writing again.
    const script = `exec 3>>${join(granted, 'log')}; echo started >&3; read line < ${fifo}; echo late >&3`;
    const running = attack(host, 'spawn', { exe: '/bin/sh', args: ['-c', script] });
    await expect.poll(() => (existsSync(join(granted, 'log')) ? readFileSync(join(granted, 'log'), 'utf8') : '')).toBe('started\n');
    host.grants.revoke(g.id, 'panel');
    await expect(running).rejects.toThrow(/restarted|stopped/);
    await expect.poll(() => host.plugins.pidOf(MISBEHAVE)).not.toBe(pid);
    // The program's end follows its plugin host's (its shim goes first): waited for on this
    // machine's process list, never by touching the fifo, which would let a live program go on.
    await expect.poll(() => anyProcessNaming(fifo), { timeout: 10_000 }).toBe(false);
    // Nobody is left reading the fifo: opening it to write without waiting finds no reader.
    expect(() => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).toThrow(/ENXIO/);
    expect(readFileSync(join(granted, 'log'), 'utf8')).toBe('started\n');
  });

  it('keeps no file of a revoked grant open for writing, nor of one narrowed to reading', async () => {
    const granted = userFolder({ 'mine.txt': 'mine' });
    const { host, home } = await start();
    const g = grant(host, granted, true);
    await attack(host, 'hold_open', { path: join(granted, 'mine.txt'), write: true });
    await expect(attack(host, 'write_in_held', { text: 'MINE' })).resolves.toEqual({ written: true });
    expect(readFileSync(join(granted, 'mine.txt'), 'utf8')).toBe('MINE');
    const pid = host.plugins.pidOf(MISBEHAVE);
    host.grants.narrow(g.id, 'read', 'panel');
    await expect.poll(() => host.plugins.pidOf(MISBEHAVE)).not.toBe(pid);
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state).toBe('active');
    await expect(attack(host, 'write_in_held', { text: 'after' })).rejects.toThrow(/nothing is held open/);
    expect(readFileSync(join(granted, 'mine.txt'), 'utf8')).toBe('MINE');
    // Held only for reading, what a read grant still covers stays open and the plugin host runs on.
    await attack(host, 'hold_open', { path: join(granted, 'mine.txt') });
    const again = host.plugins.pidOf(MISBEHAVE);
    const o = grant(host, userFolder(), false);
    host.grants.revoke(o.id, 'panel');
    await expect(attack(host, 'read_raw', { path: join(granted, 'mine.txt') })).resolves.toEqual({ text: 'MINE' });
    expect(host.plugins.pidOf(MISBEHAVE)).toBe(again);
    const logs = homeLayout(home).logs;
    expect(readdirSync(logs).map((f) => readFileSync(join(logs, f), 'utf8')).join('')).toContain(`its plugin host held ${join(granted, 'mine.txt')} open when the grant was taken away`);
  });
});

describe('a hostile plugin without a filesystem permission', () => {
  it('is asked nothing and sees nothing of the user, and its temporary files stay in its private folder', async () => {
    const docs = userFolder({ 'a.txt': 'secret' });
    const { host, asked } = await start({ permissions: [] });
    await expect(attack(host, 'read_raw', { path: join(docs, 'a.txt') })).rejects.toThrow(/No such file or directory/);
    await expect(attack(host, 'write_raw', { path: join(docs, 'b.txt'), text: 'x' })).rejects.toThrow(/Read-only file system|No such file/);
    const { value: tmp } = (await attack(host, 'env', { name: 'TMPDIR' })) as { value: string };
    await expect(attack(host, 'write_raw', { path: join(tmp, 'scratch'), text: 'temporary' })).resolves.toMatchObject({ written: join(tmp, 'scratch') });
    await expect(attack(host, 'read_raw', { path: join(tmp, 'scratch') })).resolves.toEqual({ text: 'temporary' });
    expect(existsSync(join(tmp, 'scratch'))).toBe(false);
    expect(existsSync(join(docs, 'b.txt'))).toBe(false);
    expect(asked).toEqual([]);
    expect(host.audit.query()).toEqual([]);
    expect(dirname(tmp)).not.toBe('/tmp');
  });
});
