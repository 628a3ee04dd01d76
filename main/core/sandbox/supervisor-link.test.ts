import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { supervisorStart } from './grant-view';
import { SupervisorLink, type ViewAccessRequest } from './supervisor-link';

/** The supervisor's end, played by the test: what main wrote, and frames to send back. */
function pair() {
  const toSupervisor = new PassThrough();
  const toMain = new PassThrough();
  const written: Array<Record<string, unknown>> = [];
  let pending = Buffer.alloc(0);
  toSupervisor.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const n = pending.readUInt32LE(0);
      written.push(JSON.parse(pending.subarray(4, 4 + n).toString()) as Record<string, unknown>);
      pending = pending.subarray(4 + n);
    }
  });
  const say = (m: object, split = false) => {
    const body = Buffer.from(JSON.stringify(m));
    const frame = Buffer.concat([Buffer.alloc(4), body]);
    frame.writeUInt32LE(body.length, 0);
    if (!split) toMain.write(frame);
    else for (const byte of frame) toMain.write(Buffer.from([byte]));
  };
  return { stream: Duplex.from({ readable: toMain, writable: toSupervisor }), written, say, end: () => toMain.end() };
}

const start = supervisorStart({ readOnly: ['/usr'], readWrite: [], symlinks: [], network: false, uid: 1000, gid: 1000 }, { root: { folders: [], links: [] }, protectedRoots: [], bwrap: '/usr/bin/bwrap', command: ['node'], grants: [], ask: { read: true, write: true } });
const tick = () => new Promise((r) => setImmediate(r));
const refuseAll = () => ({ refusal: 'no programs here' });

describe("main's side of a supervisor", () => {
  it('starts it, holds grants back until it is ready, and settles an update once it is applied', async () => {
    const s = pair();
    const unmounted: unknown[] = [];
    const link = new SupervisorLink(s.stream, start, { onAccess: async () => false, onUnmounted: (u) => unmounted.push(...u), onProblem: () => undefined, onProgram: refuseAll, onHeldOpen: () => undefined });
    let settled = false;
    void link.setGrants([{ path: '/srv/a', write: false }], { read: true, write: false }).then(() => (settled = true));
    void link.setGrants([{ path: '/srv/b', write: true }], { read: true, write: true });
    await tick();
    expect(s.written.map((m) => m.type)).toEqual(['start']);
    s.say({ type: 'ready', pid: 7, unmounted: [{ path: '/gone', why: 'missing', missing: true }] }, true);
    await tick();
    // Only the latest grants go, once ready.
    expect(s.written.slice(1)).toEqual([{ type: 'grants', grants: [{ path: '/srv/b', write: true }], ask: { read: true, write: true }, seq: 2 }]);
    expect(settled).toBe(false);
    s.say({ type: 'applied', seq: 2, unmounted: [] });
    await tick();
    expect(settled).toBe(true);
    expect(unmounted).toMatchObject([{ path: '/gone' }]);
  });

  it("answers every call outside the view with main's decision, and a decision that fails with a refusal", async () => {
    const s = pair();
    const problems: string[] = [];
    const asked: ViewAccessRequest[] = [];
    new SupervisorLink(s.stream, start, {
      onAccess: async (r) => {
        asked.push(r);
        if (r.path === '/boom') throw new Error('no');
        return r.path === '/yes';
      },
      onUnmounted: () => undefined,
      onProblem: (m) => problems.push(m),
      onProgram: refuseAll,
      onHeldOpen: () => undefined,
    });
    s.say({ type: 'ready', pid: 7, unmounted: [] });
    for (const [id, path] of [[1, '/yes'], [2, '/no'], [3, '/boom']] as const) s.say({ type: 'access', id, call: 'openat', path, write: false, namesFolder: false, folder: '/', realFolder: '/' });
    await tick();
    await tick();
    expect(s.written.filter((m) => m.type === 'decision')).toEqual([
      { type: 'decision', id: 1, allow: true },
      { type: 'decision', id: 2, allow: false },
      { type: 'decision', id: 3, allow: false },
    ]);
    expect(asked.map((a) => a.path)).toEqual(['/yes', '/no', '/boom']);
    expect(problems).toEqual(['deciding openat /boom failed: no']);
  });

  it('lets nothing wait for a supervisor that is gone', async () => {
    const s = pair();
    const link = new SupervisorLink(s.stream, start, { onAccess: async () => true, onUnmounted: () => undefined, onProblem: () => undefined, onProgram: refuseAll, onHeldOpen: () => undefined });
    const waiting = link.setGrants([], { read: false, write: false });
    s.stream.destroy();
    await expect(waiting).resolves.toBeUndefined();
    await expect(link.setGrants([], { read: false, write: false })).resolves.toBeUndefined();
  });

  it("answers a shim's request with main's decision, and reports how each run ended, once, the supervisor's end included", async () => {
    const s = pair();
    const ended: unknown[] = [];
    const run = { path: '/usr/bin/git', args: ['status'], env: [], execute: ['/usr/bin/git'], helpers: [] };
    new SupervisorLink(s.stream, start, {
      onAccess: async () => false,
      onUnmounted: () => undefined,
      onProblem: () => undefined,
      onProgram: (r) => (r.program === 'git' ? { run, ended: (o) => ended.push([r.args[0], o]) } : { refusal: `${r.program} is not whitelisted` }),
      onHeldOpen: () => undefined,
    });
    s.say({ type: 'ready', pid: 7, unmounted: [] });
    s.say({ type: 'program', id: 1, program: 'git', args: ['status'], cwd: '/srv/repo', env: [] });
    s.say({ type: 'program', id: 2, program: 'curl', args: [], cwd: '/', env: [] });
    s.say({ type: 'program', id: 3, program: 'git', args: ['log'], cwd: '/srv/repo', env: [] });
    await tick();
    expect(s.written.filter((m) => m.type === 'program')).toEqual([
      { type: 'program', id: 1, run },
      { type: 'program', id: 2, refusal: 'curl is not whitelisted' },
      { type: 'program', id: 3, run },
    ]);
    s.say({ type: 'program-ended', id: 1, code: 0, signal: null, ms: 12, error: null });
    s.say({ type: 'program-ended', id: 1, code: 0, signal: null, ms: 12, error: null });
    await tick();
    s.stream.destroy();
    await tick();
    expect(ended).toEqual([
      ['status', { code: 0, signal: null, ms: 12, error: null }],
      ['log', { code: null, signal: null, ms: 0, error: 'the plugin host stopped while it ran' }],
    ]);
  });

  it('passes on what the sandbox held open when a grant was taken away', async () => {
    const s = pair();
    const held: string[][] = [];
    new SupervisorLink(s.stream, start, { onAccess: async () => false, onUnmounted: () => undefined, onProblem: () => undefined, onProgram: refuseAll, onHeldOpen: (paths) => held.push(paths) });
    s.say({ type: 'ready', pid: 7, unmounted: [] });
    s.say({ type: 'held-open', paths: ['/srv/a/notes.txt', '/srv/a'] });
    await tick();
    expect(held).toEqual([['/srv/a/notes.txt', '/srv/a']]);
  });
});
