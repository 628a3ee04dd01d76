import { randomUUID } from 'node:crypto';
import { displayFields } from '../display-text';
import type { Asker, PermissionPrompt, PromptContext, PromptDetails, PromptOutcome, PromptResult } from './prompt-types';

export const DEFAULT_PROMPT_TIMEOUT_MS = 60_000;

/**
 * Asks the user on behalf of the broker. No answer in time means deny; requests for the same
 * plugin and host while a prompt is open share it.
 */
export class PromptService {
  private readonly open = new Map<string, { prompt: PermissionPrompt; outcome: Promise<PromptResult> }>();
  private readonly asking = new Map<string, number>();
  private readonly watchers: Array<(pluginId: string, asking: boolean) => void> = [];

  constructor(
    private readonly asker: Asker | undefined,
    private readonly timeout = DEFAULT_PROMPT_TIMEOUT_MS,
    /** What main knows of the plugin that asks, added to each prompt it shows. */
    private readonly context?: (details: PromptDetails) => PromptContext,
  ) {}

  /** How long a prompt waits for an answer before it counts as a denial. */
  get timeoutMs(): number {
    return this.timeout;
  }

  /** Why a request the prompt did not allow was refused, in words the plugin and the audit show. */
  whyRefused(outcome: Exclude<PromptOutcome, 'allow-once' | 'allow-session' | 'allow-day' | 'allow-always'>): string {
    if (outcome === 'deny') return 'the user denied it';
    if (outcome === 'deny-always') return 'the user denied it always';
    if (outcome === 'timeout') return `nobody answered the permission prompt within ${Number((this.timeout / 1000).toFixed(1))} s`;
    return 'no one is there to answer a permission prompt';
  }

  /** Tells `watcher` when a plugin gets its first open prompt and when its last one closes. */
  watch(watcher: (pluginId: string, asking: boolean) => void): void {
    this.watchers.push(watcher);
  }

  private counted(pluginId: string, by: 1 | -1): void {
    const n = (this.asking.get(pluginId) ?? 0) + by;
    if (n === 0) this.asking.delete(pluginId);
    else this.asking.set(pluginId, n);
    if ((by === 1 && n === 1) || n === 0) for (const w of this.watchers) w(pluginId, n > 0);
  }

  pending(): PermissionPrompt[] {
    return [...this.open.values()].map((o) => o.prompt);
  }

  ask(details: PromptDetails): Promise<PromptOutcome> {
    return this.askWho(details).then((r) => r.outcome);
  }

  /** Asks, and says who answered (what a grant the answer leaves records as its maker). */
  askWho(details: PromptDetails): Promise<PromptResult> {
    const scope = details.kind === 'network' ? `${details.host}:${details.port}` : `${details.access}:${details.folder}`;
    const key = `${details.pluginId}\n${details.kind}\n${scope}`;
    const shared = this.open.get(key);
    if (shared) return shared.outcome;
    const asker = this.asker;
    if (!asker) return Promise.resolve({ outcome: 'unavailable', by: 'host' });
    const now = Date.now();
    // What the user reads is what a plugin controls: no character may hide or reorder any of it.
    const known = this.context?.(details);
    const about = known ? { pluginVersion: known.pluginVersion, pluginAuthor: known.pluginAuthor, runningCommands: known.runningCommands, ...(details.kind === 'network' ? { firstToHost: known.firstToHost } : {}) } : {};
    const prompt = { ...displayFields({ ...details, ...about }), id: randomUUID(), createdAt: new Date(now).toISOString(), expiresAt: new Date(now + this.timeout).toISOString() } as PermissionPrompt;
    let timer: NodeJS.Timeout | undefined;
    const expired = new AbortController();
    const timeout = new Promise<PromptResult>((resolve) => {
      timer = setTimeout(() => {
        expired.abort();
        resolve({ outcome: 'timeout', by: 'host' });
      }, this.timeout);
    });
    const answered = asker(prompt, expired.signal).then(
      (a): PromptResult => (typeof a === 'string' ? { outcome: a, by: 'prompt' } : { outcome: a.answer, by: a.by }),
      (): PromptResult => ({ outcome: 'deny', by: 'host' }),
    );
    const outcome = Promise.race([answered, timeout]).finally(() => {
      clearTimeout(timer);
      this.open.delete(key);
      this.counted(details.pluginId, -1);
    });
    this.open.set(key, { prompt, outcome });
    this.counted(details.pluginId, 1);
    return outcome;
  }
}
