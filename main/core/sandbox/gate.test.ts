import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import { MAIN_NAMESPACES, SANDBOXED_PROOF } from '../../../test/helpers/sandbox-proofs';
import { SandboxGate } from './gate';
import type { SandboxProof } from './proof';

const main = MAIN_NAMESPACES;
// A proof that shows main's own namespaces and the planted canary: no sandbox at all.
const unconfined: SandboxProof = { ...SANDBOXED_PROOF, namespaces: main, canarySeen: true, capEff: '0' };
const now = () => new Date('2026-12-01T10:00:00Z');

describe('the sandbox gate', () => {
  it('plants a canary outside every sandbox view, in the data folder', () => {
    const gate = new SandboxGate({ bubblewrap: { ok: true, path: '/usr/bin/bwrap' }, allowUnconfined: false, mainNamespaces: main, home: scratchHome() });
    expect(gate.canary).toMatch(/\.sandbox-canary$/);
  });

  it('starts no plugin host where no sandbox can be made, unless unconfined plugins are allowed', () => {
    const missing = { ok: false as const, reason: 'bubblewrap is not installed' };
    expect(new SandboxGate({ bubblewrap: missing, allowUnconfined: false, mainNamespaces: main, home: scratchHome() }).startProblem()).toBe(
      'sandbox unavailable: bubblewrap is not installed; the plugin stays off until you allow unconfined plugins ("allowUnconfined": true in settings.json)',
    );
    expect(new SandboxGate({ bubblewrap: missing, allowUnconfined: true, mainNamespaces: main, home: scratchHome() }).startProblem()).toBeUndefined();
  });

  it('refuses a plugin host whose proof fails, or lets it run marked unconfined when the user allowed that', () => {
    const strict = new SandboxGate({ bubblewrap: { ok: true, path: '/usr/bin/bwrap' }, allowUnconfined: false, mainNamespaces: main, home: scratchHome(), now });
    expect(strict.judge(unconfined)).toMatchObject({ state: 'refused', checkedAt: '2026-12-01T10:00:00.000Z', reason: expect.stringMatching(/^it shares main's user namespace; .*; the plugin stays off until/) as string });
    const lenient = new SandboxGate({ bubblewrap: { ok: false, reason: 'no bubblewrap' }, allowUnconfined: true, mainNamespaces: main, home: scratchHome(), now });
    expect(lenient.judge(unconfined)).toMatchObject({ state: 'unconfined', reason: expect.stringMatching(/^no bubblewrap; it shares main's user namespace/) as string, proof: unconfined });
  });
});
