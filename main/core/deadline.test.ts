import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadline } from './deadline';
import { timeoutsWith } from './timeouts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('a deadline', () => {
  it('expires after its time, counting only the time it was running', () => {
    const expired = vi.fn();
    const d = new Deadline(1000, expired);
    vi.advanceTimersByTime(400);
    d.pause();
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    d.resume();
    vi.advanceTimersByTime(599);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('can start paused, and never fires once cleared', () => {
    const expired = vi.fn();
    const d = new Deadline(100, expired, true);
    vi.advanceTimersByTime(1000);
    expect(expired).not.toHaveBeenCalled();
    d.resume();
    d.clear();
    d.resume();
    vi.advanceTimersByTime(1000);
    expect(expired).not.toHaveBeenCalled();
  });
});

describe("the host's one budget of waits", () => {
  it('has an inner wait end before the command that waits on it', () => {
    expect(timeoutsWith()).toEqual({ invokeMs: 60_000, loadMs: 15_000, promptMs: 60_000, requestMs: 30_000, programMs: 50_000, stepMs: 600_000, dialogMs: 300_000 });
    expect(() => timeoutsWith({ requestMs: 60_000 })).toThrow('a brokered request (60000 ms) must end before the command waiting on it (60000 ms)');
    expect(() => timeoutsWith({ invokeMs: 40_000 })).toThrow('a program (50000 ms) must end before the command waiting on it (40000 ms)');
    expect(() => timeoutsWith({ stepMs: 50_000 })).toThrow('a brokered request or program (50000 ms) must end before the workflow step waiting on it (50000 ms)');
    expect(() => timeoutsWith({ promptMs: 0 })).toThrow('timeout promptMs must be a positive number of milliseconds, not 0');
    // A prompt pauses the command's clock, so it may be longer than the command's budget.
    expect(timeoutsWith({ promptMs: 120_000 }).promptMs).toBe(120_000);
  });
});
