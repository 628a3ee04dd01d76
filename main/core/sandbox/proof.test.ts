import { describe, expect, it } from 'vitest';
import { MAIN_NAMESPACES, SANDBOXED_PROOF } from '../../../test/helpers/sandbox-proofs';
import { judgeProof, type SandboxProof } from './proof';

const main = MAIN_NAMESPACES;
const sandboxed = SANDBOXED_PROOF;

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
