import type { AuditEntry, AuditQuery } from '../../main/core/audit/entry';
import { createHost, type Host, type HostOptions } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import type { PermissionPrompt, PromptAnswer } from '../../main/core/prompts/prompt-types';
import { installSample, type InstallOptions } from './fixtures';
import { scratchHome, tracked } from './per-test';

export interface StartedHost {
  host: Host;
  home: string;
  /** Every prompt the scripted user was shown, in order. */
  asked: PermissionPrompt[];
}

/**
 * A host over a data folder (a fresh one unless given) holding `samples`, every plugin approved and
 * started, shut down after the test. Its scripted user answers each prompt with `answer`.
 */
export async function startedHost(
  samples: InstallOptions[],
  answer: (prompt: PermissionPrompt) => PromptAnswer = () => 'deny',
  home: string = scratchHome(),
  opts: Pick<HostOptions, 'programDirs' | 'gitIdentity' | 'launcher'> = {},
): Promise<StartedHost> {
  for (const s of samples) installSample(home, s);
  const asked: PermissionPrompt[] = [];
  const host = tracked(
    createHost({
      home,
      ...opts,
      logger: new FileLogger(homeLayout(home).logs, ''),
      asker: async (p) => {
        asked.push(p);
        return answer(p);
      },
    }),
  );
  host.plugins.discover();
  for (const p of host.plugins.list()) await host.plugins.approve(p.id, 'all');
  await host.start();
  return { host, home, asked };
}

/**
 * The audit lines of what plugins did and were refused, without the records of the user's own
 * changes (a test's set-up grants and toggles write those too; test/integration/changes covers them).
 */
export function decisions(host: Pick<Host, 'audit'>, query?: AuditQuery): AuditEntry[] {
  return host.audit.query(query).filter((e) => e.method !== 'CHANGE');
}
