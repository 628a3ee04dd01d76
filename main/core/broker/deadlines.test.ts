import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlinePassed, Deadlines } from './deadlines';

afterEach(() => {
  vi.useRealTimers();
});

function body() {
  const stopped: Error[] = [];
  return { stopped, destroy: (e: Error) => void stopped.push(e) };
}

describe('Deadlines', () => {
  it('stops a body once its deadline has passed, at the next look', () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines(50);
    const late = body();
    deadlines.watch(late, performance.now() + 120);
    vi.advanceTimersByTime(100);
    expect(late.stopped).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(late.stopped).toHaveLength(1);
    expect(late.stopped[0]).toBeInstanceOf(DeadlinePassed);
    deadlines.close();
  });

  it('leaves alone a body that finished in time, and stops each late body once', () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines(10);
    const done = body();
    const late = body();
    deadlines.watch(done, performance.now() + 30);
    deadlines.watch(late, performance.now() + 30);
    deadlines.forget(done);
    vi.advanceTimersByTime(100);
    expect(done.stopped).toEqual([]);
    expect(late.stopped).toHaveLength(1);
    deadlines.close();
  });
});
