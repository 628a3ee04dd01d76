import { describe, expect, it } from 'vitest';
import { judgeProof, type SandboxProof } from './proof';

const main = { user: 'user:[1]', mnt: 'mnt:[2]', pid: 'pid:[3]', net: 'net:[4]', ipc: 'ipc:[5]', uts: 'uts:[6]' };
const sandboxed: SandboxProof = {
  namespaces: { user: 'user:[11]', mnt: 'mnt:[12]', pid: 'pid:[13]', net: 'net:[14]', ipc: 'ipc:[15]', uts: 'uts:[16]' },
  interfaces: ['lo'],
  canarySeen: false,
  uid: 1000,
  capEff: '0000000000000000',
  noNewPrivs: true,
  seccompMode: 2,
  lockdown: { seccomp: true, landlock: 'fully-enforced', landlockAllThreads: false, problems: [] },
};

describe("main's verdict on a plugin host's proof of its sandbox", () => {
  it('calls a plugin host sandboxed only when every wall shows from inside', () => {
    expect(judgeProof(sandboxed, main)).toEqual({ sandboxed: true, summary: expect.stringContaining('Landlock fully-enforced') as string });
  });

  it('still calls it sandboxed on a kernel without Landlock, and says so', () => {
    const verdict = judgeProof({ ...sandboxed, lockdown: { ...sandboxed.lockdown, landlock: 'not-enforced' } }, main);
    expect(verdict).toEqual({ sandboxed: true, summary: expect.stringContaining('no Landlock on this kernel') as string });
  });

  it.each<[string, Partial<SandboxProof>, string]>([
    ['a namespace shared with main', { namespaces: { ...sandboxed.namespaces, pid: 'pid:[3]' } }, "it shares main's pid namespace"],
    ['a namespace it cannot read', { namespaces: { ...sandboxed.namespaces, net: undefined } }, 'it cannot tell its net namespace'],
    ['an interface besides loopback', { interfaces: ['lo', 'eth0'] }, 'it sees network interfaces other than loopback (eth0)'],
    ['a view that shows the planted file', { canarySeen: true }, 'it can see a file main planted outside its view'],
    ['capabilities', { capEff: '000001ffffffffff' }, 'it holds capabilities (CapEff 000001ffffffffff)'],
    ['root inside', { uid: 0 }, 'it runs as root inside its namespace'],
    ['no no_new_privs', { noNewPrivs: false }, 'no_new_privs is not set'],
    ['no seccomp filter', { seccompMode: 0, lockdown: { ...sandboxed.lockdown, seccomp: false, problems: ['seccomp: EINVAL'] } }, 'no seccomp filter is installed (seccomp: EINVAL)'],
  ])('refuses %s', (_what, change, failure) => {
    expect(judgeProof({ ...sandboxed, ...change }, main)).toEqual({ sandboxed: false, failures: [failure] });
  });

  it('lists every failure of an unconfined process at once', () => {
    const unconfined: SandboxProof = { ...sandboxed, namespaces: main, interfaces: ['lo', 'eth0'], canarySeen: true, uid: 0, capEff: '000001ffffffffff' };
    const verdict = judgeProof(unconfined, main);
    expect(verdict.sandboxed).toBe(false);
    expect(verdict.sandboxed === false && verdict.failures).toHaveLength(10);
  });
});
