import type { AnsweredPrompt, Asker, PermissionPrompt, PromptAnswer } from './prompt-types';

/**
 * The asker of the app: prompts wait here until a panel answers them, and every change to the
 * waiting list is announced so panels can show them one at a time.
 */
export class PanelAsker {
  private readonly waiting = new Map<string, { prompt: PermissionPrompt; resolve: (a: AnsweredPrompt) => void }>();

  constructor(private readonly announce: (pending: PermissionPrompt[]) => void) {}

  readonly ask: Asker = (prompt, signal) =>
    new Promise<AnsweredPrompt>((resolve) => {
      this.waiting.set(prompt.id, { prompt, resolve });
      signal?.addEventListener('abort', () => {
        if (this.waiting.delete(prompt.id)) this.announce(this.pending());
      });
      this.announce(this.pending());
    });

  pending(): PermissionPrompt[] {
    return [...this.waiting.values()].map((w) => w.prompt);
  }

  /** Answers one prompt, as `by` (a panel, the command line); false when it is no longer open (answered, or timed out). */
  answer(promptId: string, answer: PromptAnswer, by: string): boolean {
    const w = this.waiting.get(promptId);
    if (!w) return false;
    this.waiting.delete(promptId);
    w.resolve({ answer, by });
    this.announce(this.pending());
    return true;
  }

  /** Gives every prompt of one plugin waiting now the same answer; says how many it answered. */
  answerAll(pluginId: string, answer: PromptAnswer, by: string): number {
    const mine = [...this.waiting.values()].filter((w) => w.prompt.pluginId === pluginId);
    for (const w of mine) {
      this.waiting.delete(w.prompt.id);
      w.resolve({ answer, by });
    }
    if (mine.length > 0) this.announce(this.pending());
    return mine.length;
  }
}
