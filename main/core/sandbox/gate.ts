import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bubblewrap } from './bubblewrap';
import { judgeProof, type NamespaceIds, type SandboxProof, type SandboxStatus } from './proof';

export const ALLOW_UNCONFINED_HINT = 'the plugin stays off until you allow unconfined plugins ("allowUnconfined": true in settings.json)';

/**
 * Decides, per plugin host, whether its plugin may load: sandboxed when its own report proves it
 * (./proof), unconfined only where the user allowed that, otherwise off with the reason.
 */
export class SandboxGate {
  /** A file planted outside every sandbox's view; a plugin host that can see it is not confined. */
  readonly canary: string;

  constructor(
    private readonly opts: {
      bubblewrap: Bubblewrap;
      allowUnconfined: boolean;
      /** Main's own namespaces, which a sandboxed plugin host must not share. */
      mainNamespaces: NamespaceIds;
      /** The data folder: the canary lives at its root, where no sandbox looks. */
      home: string;
      /** False only where the sandbox was turned off for a comparison (benchmarks): no seccomp, no Landlock. */
      lockDown?: boolean;
      now?: () => Date;
    },
  ) {
    this.canary = join(opts.home, '.sandbox-canary');
    if (!existsSync(this.canary)) writeFileSync(this.canary, 'A plugin host that can read this file is not sandboxed.\n', { mode: 0o600 });
  }

  get bubblewrap(): Bubblewrap {
    return this.opts.bubblewrap;
  }

  /** Whether plugin hosts raise their own walls (seccomp, Landlock) before their plugin loads. */
  get lockDown(): boolean {
    return this.opts.lockDown ?? true;
  }

  /** Why no plugin host should even be started, if none can be sandboxed and unconfined ones are not allowed. */
  startProblem(): string | undefined {
    const b = this.opts.bubblewrap;
    if (b.ok || this.opts.allowUnconfined) return undefined;
    return `sandbox unavailable: ${b.reason}; ${ALLOW_UNCONFINED_HINT}`;
  }

  /** `expect.view`: the plugin host was started by a supervisor, which its proof must show it reached. */
  judge(proof: SandboxProof, expect: { view: boolean } = { view: false }): SandboxStatus {
    const checkedAt = (this.opts.now?.() ?? new Date()).toISOString();
    const verdict = judgeProof(proof, this.opts.mainNamespaces, { view: expect.view && this.lockDown });
    // Main's own namespaces go with the proof, so a reviewer sees each of the plugin's differs.
    const mainNamespaces = this.opts.mainNamespaces;
    if (verdict.sandboxed) return { state: 'sandboxed', summary: verdict.summary, proof, checkedAt, mainNamespaces };
    const why = [...(this.opts.bubblewrap.ok ? [] : [this.opts.bubblewrap.reason]), ...verdict.failures].join('; ');
    if (this.opts.allowUnconfined) return { state: 'unconfined', reason: why, proof, checkedAt, mainNamespaces };
    return { state: 'refused', reason: `${why}; ${ALLOW_UNCONFINED_HINT}`, proof, checkedAt, mainNamespaces };
  }
}
