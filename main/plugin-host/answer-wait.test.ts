import { describe, expect, it } from 'vitest';
import { AnswerWait } from './answer-wait';

describe('AnswerWait', () => {
  it('waits for every command until one misses', () => {
    const w = new AnswerWait(200, 3);
    expect(w.budgetFor('ping', 20)).toBe(200);
    expect(w.budgetFor('ping', 20)).toBe(200);
  });

  it('skips the wait for a command that missed, then tries again after retryAfter calls', () => {
    const w = new AnswerWait(200, 3);
    w.missed('slow');
    expect([w.budgetFor('slow', 20), w.budgetFor('slow', 20), w.budgetFor('slow', 20)]).toEqual([0, 0, 0]);
    expect(w.budgetFor('slow', 20)).toBe(200);
  });

  it('does not wait for a command with large arguments, nor count it as slow', () => {
    const w = new AnswerWait(200, 3, 1000);
    expect(w.budgetFor('ping', 5000)).toBe(0);
    expect(w.budgetFor('ping', 20)).toBe(200);
  });

  it('keeps other commands waiting when one is slow', () => {
    const w = new AnswerWait(200, 3);
    w.missed('slow');
    expect(w.budgetFor('ping', 20)).toBe(200);
  });
});
