import type { PromptService } from '../prompts/service';
import type { PromptOutcome } from '../prompts/prompt-types';
import { describeLasting, lastingOf, type Lasting } from './terms';

export type PromptDecision = { allowed: true; lasts: Lasting; grantId: string } | { allowed: true; lasts: null } | { allowed: false; why: string; denialId?: string };

/**
 * The one way a prompt's answer becomes a decision, for hosts and folders alike: a lasting answer
 * becomes a grant (made by `grant`, with the `via` every prompt's grant carries), "this time"
 * allows this one use, "deny always" refuses and leaves a denial (made by `deny`) so the plugin
 * cannot ask again at once, and anything else refuses in the prompt service's own words.
 */
export function decideFromAnswer(
  outcome: PromptOutcome,
  prompts: Pick<PromptService, 'whyRefused'>,
  grant: (terms: { via: string; lasts: Lasting }) => { id: string },
  deny: (terms: { via: string }) => { id: string },
): PromptDecision {
  const lasts = lastingOf(outcome);
  if (lasts) return { allowed: true, lasts, grantId: grant({ via: `prompt: allow ${describeLasting(lasts)}`, lasts }).id };
  if (outcome === 'allow-once') return { allowed: true, lasts: null };
  if (outcome === 'deny-always') return { allowed: false, why: 'the user denied it always', denialId: deny({ via: 'prompt: deny always' }).id };
  return { allowed: false, why: prompts.whyRefused(outcome as Parameters<PromptService['whyRefused']>[0]) };
}
