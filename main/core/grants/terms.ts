/**
 * How long a standing answer lasts and when it was last used, common to every kind of grant. Pure,
 * so the policy engine and the panels share it.
 */

/** The choices a permission prompt offers beyond "this request" and "deny". */
export type Lasting = 'session' | 'day' | 'always';

export interface GrantTerms {
  id: string;
  pluginId: string;
  createdAt: string;
  /** How it was given, e.g. "prompt: allow for 24 hours". */
  via: string;
  /** `session` grants live until the app quits and are never written to disk. */
  lasts: Lasting;
  /** When a `day` grant stops holding; null for the others. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** When it was made narrower, by whom, and what it was before (e.g. "always"), if it was. */
  narrowed?: { at: string; by: string; from: string };
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a grant still holds at `now`. */
export function holds(terms: Pick<GrantTerms, 'expiresAt'>, now: Date): boolean {
  return terms.expiresAt === null || Date.parse(terms.expiresAt) > now.getTime();
}

/** When the next of these grants stops holding, if one will. */
export function nextExpiry(grants: ReadonlyArray<Pick<GrantTerms, 'expiresAt'>>, now: Date): Date | undefined {
  const times = grants.map((g) => (g.expiresAt ? Date.parse(g.expiresAt) : NaN)).filter((t) => t > now.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/** The prompt answers that leave a grant behind, and for how long. */
export function lastingOf(answer: string): Lasting | undefined {
  return answer === 'allow-session' ? 'session' : answer === 'allow-day' ? 'day' : answer === 'allow-always' ? 'always' : undefined;
}

/** What a grant's duration reads as, for `via` and the panels. */
export function describeLasting(lasts: Lasting): string {
  return lasts === 'session' ? 'until HaloForge quits' : lasts === 'day' ? 'for 24 hours' : 'always';
}
