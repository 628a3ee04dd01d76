import { describe, expect, it } from 'vitest';
import { PromptService } from '../prompts/service';
import { decideFromAnswer } from './prompt-answer';
import type { Lasting } from './terms';

const prompts = new PromptService(undefined, 30_000);

/** Records what a decision asked the store to grant. */
function recorder() {
  const made: Array<{ via: string; lasts?: Lasting }> = [];
  const grant = (terms: { via: string; lasts: Lasting }) => (made.push(terms), { id: `g${made.length}` });
  const deny = (terms: { via: string }) => (made.push(terms), { id: `d${made.length}` });
  return { made, grant, deny };
}

describe('a prompt answer becomes a decision', () => {
  it.each([
    ['allow-session', 'session', 'prompt: allow until HaloForge quits'],
    ['allow-day', 'day', 'prompt: allow for 24 hours'],
    ['allow-always', 'always', 'prompt: allow always'],
  ] as const)('"%s" allows and leaves a %s grant saying how it was given', (answer, lasts, via) => {
    const { made, grant, deny } = recorder();
    expect(decideFromAnswer(answer, prompts, grant, deny)).toEqual({ allowed: true, lasts, grantId: 'g1' });
    expect(made).toEqual([{ via, lasts }]);
  });

  it('"allow-once" allows this one use and grants nothing', () => {
    const { made, grant, deny } = recorder();
    expect(decideFromAnswer('allow-once', prompts, grant, deny)).toEqual({ allowed: true, lasts: null });
    expect(made).toEqual([]);
  });

  it.each([
    ['deny', 'the user denied it'],
    ['timeout', 'nobody answered the permission prompt within 30 s'],
    ['unavailable', 'no one is there to answer a permission prompt'],
  ] as const)('"%s" refuses in the prompt service\'s words and grants nothing', (answer, why) => {
    const { made, grant, deny } = recorder();
    expect(decideFromAnswer(answer, prompts, grant, deny)).toEqual({ allowed: false, why });
    expect(made).toEqual([]);
  });

  it('"deny-always" refuses and leaves a denial, so the plugin is not asked again until the user revokes it', () => {
    const { made, grant, deny } = recorder();
    expect(decideFromAnswer('deny-always', prompts, grant, deny)).toEqual({ allowed: false, why: 'the user denied it always', denialId: 'd1' });
    expect(made).toEqual([{ via: 'prompt: deny always' }]);
  });
});
