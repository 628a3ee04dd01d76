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

describe("main's side of a supervisor", () => {
  it('starts it, holds grants back until it is ready, and settles an update once it is applied', async () => {
    const s = pair();
    const unmounted: unknown[] = [];
    const link = new SupervisorLink(s.stream, start, { onAccess: async () => false, onUnmounted: (u) => unmounted.push(...u), onProblem: () => undefined });
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
    const link = new SupervisorLink(s.stream, start, { onAccess: async () => true, onUnmounted: () => undefined, onProblem: () => undefined });
    const waiting = link.setGrants([], { read: false, write: false });
    s.stream.destroy();
    await expect(waiting).resolves.toBeUndefined();
    await expect(link.setGrants([], { read: false, write: false })).resolves.toBeUndefined();
  });
});
