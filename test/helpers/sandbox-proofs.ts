import type { SandboxProof } from '../../main/core/sandbox/proof';

/** Main's own namespaces, as the gate reads them at start. */
export const MAIN_NAMESPACES = { user: 'user:[1]', mnt: 'mnt:[2]', pid: 'pid:[3]', net: 'net:[4]', ipc: 'ipc:[5]', uts: 'uts:[6]' };

/** What a plugin host reports when every wall holds: namespaces of its own, loopback only, no rights, seccomp and Landlock. */
export const SANDBOXED_PROOF: SandboxProof = {
  namespaces: { user: 'user:[11]', mnt: 'mnt:[12]', pid: 'pid:[13]', net: 'net:[14]', ipc: 'ipc:[15]', uts: 'uts:[16]' },
  interfaces: ['lo'],
  canarySeen: false,
  uid: 1000,
  capEff: '0000000000000000',
  noNewPrivs: true,
  seccompMode: 2,
  lockdown: { seccomp: true, landlock: 'fully-enforced', landlockAllThreads: false, viewListener: true, problems: [] },
};
