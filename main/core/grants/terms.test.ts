import { describe, expect, it } from 'vitest';
import { nextExpiry } from './terms';

const NOW = new Date('2026-12-02T10:00:00Z');

describe("a grant's terms", () => {
  it('know when the next grant lapses, so the store can drop it and everything it allowed can follow', () => {
    const grants = [{ expiresAt: '2026-12-02T12:00:00Z' }, { expiresAt: '2026-12-02T11:00:00Z' }, { expiresAt: null }];
    expect(nextExpiry(grants, NOW)).toEqual(new Date('2026-12-02T11:00:00Z'));
    expect(nextExpiry([{ expiresAt: null }], NOW)).toBeUndefined();
  });
});
