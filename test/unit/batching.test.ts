import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, chunk, inUtc, mapLimit } from '../../models/batching.ts';
import { TEST_NOW } from '../support/clock.ts';

describe('batching', () => {
  describe('chunk', () => {
    it('keeps every item, in order, within the count and byte limits', () => {
      fc.assert(
        fc.property(
          fc.array(fc.nat({ max: 300 })),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 1000 }),
          (sizes, maxCount, maxBytes) => {
            const { chunks, oversized } = chunk(sizes, { maxCount, maxBytes, sizeOf: (s) => s });
            for (const c of chunks) {
              expect(c.length).toBeGreaterThan(0);
              expect(c.length).toBeLessThanOrEqual(maxCount);
              expect(c.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxBytes);
            }
            expect(chunks.flat()).toEqual(sizes.filter((s) => s <= maxBytes));
            expect(oversized).toEqual(sizes.filter((s) => s > maxBytes));
          },
        ),
      );
    });

    it('splits 25 PutEvents entries into 10, 10 and 5', () => {
      const { chunks } = chunk(
        Array.from({ length: 25 }, (_, i) => i),
        { maxCount: 10 },
      );
      expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    });
  });

  describe('backoffDelayMs', () => {
    it('stays below the exponential ceiling and the cap', () => {
      expect(backoffDelayMs(3, { baseMs: 100, random: () => 0.999 })).toBe(799);
      expect(backoffDelayMs(20, { baseMs: 100, capMs: 2000, random: () => 0.5 })).toBe(1000);
      expect(backoffDelayMs(2, { random: () => 0 })).toBe(0);
    });
  });

  describe('inUtc', () => {
    it('writes every occurredAt as the same instant in UTC, whatever offset it was sent with', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: -1_000_000, max: 1_000_000 }),
          fc.integer({ min: -14 * 60, max: 14 * 60 }),
          (secondsFromNow, offsetMinutes) => {
            const at = TEST_NOW.getTime() + secondsFromNow * 1000;
            // The wall-clock time at that offset, written with it (2026-11-23T17:30:00+08:00).
            const local = new Date(at + offsetMinutes * 60_000).toISOString().slice(0, 19);
            const sign = offsetMinutes < 0 ? '-' : '+';
            const abs = Math.abs(offsetMinutes);
            const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
            const [out] = inUtc([{ eventId: 'evt-1', occurredAt: `${local}${offset}` }]);
            expect(out!.occurredAt).toBe(new Date(at).toISOString());
            expect(out!.occurredAt.endsWith('Z')).toBe(true);
          },
        ),
      );
    });

    it('keeps an event already in UTC as it is', () => {
      const e = { eventId: 'evt-1', occurredAt: TEST_NOW.toISOString() };
      expect(inUtc([e])[0]).toBe(e);
    });
  });
});

describe('mapLimit', () => {
  const tick = () => new Promise<void>((r) => setImmediate(r));

  it('keeps at most the limit in flight and answers in the items order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let k = 0; k < n; k++) await tick();
      inFlight--;
      return n * 10 + i;
    });
    expect(out).toEqual([50, 11, 42, 23, 34, 5, 66]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts no item after it', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 1) throw new Error('item 1 failed');
        return n;
      }),
    ).rejects.toThrow('item 1 failed');
    await tick();
    await tick();
    // Items 0 and 1 ran together; 2 started when 0 finished, before 1 failed; nothing after.
    expect(started).toEqual([0, 1, 2]);
  });

  it('refuses a limit below one', async () => {
    await expect(mapLimit([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});
