import type { Asker, PermissionPrompt, PromptAnswer } from './prompt-types';

/**
 * The asker of the app: prompts wait here until a panel answers them, and every change to the
 * waiting list is announced so panels can show them one at a time.
 */
export class PanelAsker {
  private readonly waiting = new Map<string, { prompt: PermissionPrompt; resolve: (a: PromptAnswer) => void }>();

  constructor(private readonly announce: (pending: PermissionPrompt[]) => void) {}

  readonly ask: Asker = (prompt, signal) =>
    new Promise<PromptAnswer>((resolve) => {
      this.waiting.set(prompt.id, { prompt, resolve });
      signal?.addEventListener('abort', () => {
        if (this.waiting.delete(prompt.id)) this.announce(this.pending());
      });
      this.announce(this.pending());
    });

  pending(): PermissionPrompt[] {
    return [...this.waiting.values()].map((w) => w.prompt);
  }

  /** Returns false when the prompt is no longer open (answered, or timed out). */
  answer(promptId: string, answer: PromptAnswer): boolean {
    const w = this.waiting.get(promptId);
    if (!w) return false;
    this.waiting.delete(promptId);
    w.resolve(answer);
    this.announce(this.pending());
    return true;
  }
}
