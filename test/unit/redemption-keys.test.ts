import { describe, expect, it } from 'vitest';
import {
  COUNTER_SHARDS,
  perUserKey,
  shardKey,
  shardOrder,
  shardSlice,
} from '../../models/pricing/counters.ts';

describe('redemption keys', () => {
  describe('shardSlice', () => {
    it('splits any cap into slices that differ by at most one and sum to the cap', () => {
      for (const cap of [1, 2, 3, 4, 5, 50, 199, 200, 5_000, 1_000_003]) {
        const slices = Array.from({ length: COUNTER_SHARDS }, (_, s) => shardSlice(cap, s));
        expect(slices.reduce((a, b) => a + b, 0)).toBe(cap);
        expect(Math.max(...slices) - Math.min(...slices)).toBeLessThanOrEqual(1);
      }
    });
  });

  describe('shardOrder', () => {
    it('visits every shard once, starting from the quote id hash, the same every time', () => {
      const order = shardOrder('q-123');
      expect([...order].sort()).toEqual([0, 1, 2, 3]);
      expect(shardOrder('q-123')).toEqual(order);
    });
  });

  it('keys a counter by kind, promotion and user or shard', () => {
    expect(perUserKey('coupon', 'promo-c', 'u-1')).toBe('coupon#promo-c#user#u-1');
    expect(shardKey('flashSale', 'promo-f', 2)).toBe('flash#promo-f#stock#2');
  });
});
