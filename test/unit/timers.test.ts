import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OverBudgetError, withinBudget } from '../../functions/lib/timers.ts';

describe('functions/lib/timers', () => {
  describe('withinBudget', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('returns what the work gives when it settles within the budget, and clears its timer', async () => {
      const answer = withinBudget(Promise.resolve(42), 1_000);
      await expect(answer).resolves.toBe(42);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("passes the work's own rejection on, and clears its timer", async () => {
      const answer = withinBudget(Promise.reject(new Error('throttled')), 1_000);
      await expect(answer).rejects.toThrow('throttled');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('rejects with OverBudgetError once the budget runs out, and a later rejection of the work is handled', async () => {
      let fail: (e: Error) => void = () => {};
      const work = new Promise<number>((_, reject) => {
        fail = reject;
      });
      const error = withinBudget(work, 3_000).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(2_999);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await error).toBeInstanceOf(OverBudgetError);
      expect(await error).toMatchObject({ message: 'took longer than its budget', budgetMs: 3_000 });
      expect(vi.getTimerCount()).toBe(0);
      // Would fail the run as an unhandled rejection if nothing listened to the work any more.
      fail(new Error('too late'));
      await vi.advanceTimersByTimeAsync(0);
    });

    it("rejects with the caller's error when given one", async () => {
      const answer = withinBudget(new Promise(() => {}), 10, () => new RangeError('slow'));
      const settled = expect(answer).rejects.toBeInstanceOf(RangeError);
      await vi.advanceTimersByTimeAsync(10);
      await settled;
    });
  });
});
