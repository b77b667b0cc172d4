import { describe, expect, it } from 'vitest';
import { HitSignalSeries } from '../../events/api.ts';
import { dailySignals, dailyWindowStart } from '../../models/hits/daily.ts';
import { emptyCounts, type SignalCounts } from '../../models/hits/signals.ts';

const counts = (partial: Partial<SignalCounts>): SignalCounts => ({ ...emptyCounts(), ...partial });
const NOW = Date.parse('2026-11-23T16:30:00Z');

describe('hits/daily', () => {
  describe('dailyWindowStart', () => {
    it('starts at midnight UTC, days - 1 days before today', () => {
      expect(new Date(dailyWindowStart(NOW, 1)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
      expect(new Date(dailyWindowStart(NOW, 14)).toISOString()).toBe('2026-11-10T00:00:00.000Z');
    });
  });

  describe('dailySignals', () => {
    it('sums hourly and imported daily buckets per UTC day, oldest first, zeros included', () => {
      const days = dailySignals(
        'p-1',
        [
          ['p-1#2026-11-21T00:00:00Z', counts({ views: 5, revenue: 9_900 })], // an imported day bucket
          ['p-1#2026-11-22T23:00:00Z', counts({ views: 2, carts: 1 })],
          ['p-1#2026-11-23T00:00:00Z', counts({ views: 1, searches: 4, searchClicks: 1 })],
          ['p-1#2026-11-23T16:00:00Z', counts({ orders: 1, units: 3, reviews: 1, ratingSum: 5 })],
          ['p-2#2026-11-23T16:00:00Z', counts({ views: 99 })], // another product: ignored
          ['p-1#2026-11-19T23:00:00Z', counts({ views: 7 })], // before the window
        ],
        { nowMs: NOW, days: 4 },
      );
      expect(days.map((d) => d.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
      expect(days.map((d) => d.views)).toEqual([0, 5, 2, 1]);
      expect(days[2]).toMatchObject({ carts: 1 });
      expect(days[3]).toEqual({
        day: '2026-11-23',
        searches: 4,
        searchClicks: 1,
        views: 1,
        carts: 0,
        orders: 1,
        units: 3,
        reviews: 1,
      });
      // Revenue and rating sums are not part of the public answer.
      expect(Object.keys(days[1]!)).not.toContain('revenue');
      expect(HitSignalSeries.parse({ productId: 'p-1', days })).toEqual({ productId: 'p-1', days });
    });

    it('answers zeros for a product without buckets', () => {
      const days = dailySignals('p-9', [], { nowMs: NOW, days: 3 });
      expect(days).toHaveLength(3);
      expect(days.every((d) => d.views === 0 && d.orders === 0)).toBe(true);
    });
  });
});
