import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { basketsOf, mineBundles, supportFloor } from '../../models/bundles/mine.ts';
import { BundleSettings, bundleConfigOf } from '../../models/bundles/settings.ts';
import { decimalLiteral } from '../../models/lake/jobs/bundle-itemsets.ts';
import { athenaRun } from '../../models/lake/unload.ts';

let seq = 0;
const order = (...productIds: string[]): BehaviourEvent => ({
  type: 'OrderPlaced',
  eventId: `evt-bundle-${seq++}`,
  occurredAt: '2026-11-20T10:00:00Z',
  version: 1,
  orderId: `o-${seq}`,
  lines: productIds.map((productId) => ({ productId, quantity: 1, paidPrice: 100 })),
});

describe('basketsOf', () => {
  it('takes one basket per order with its distinct products, and nothing else', () => {
    const view: BehaviourEvent = {
      type: 'ProductViewed',
      eventId: 'evt-bundle-v',
      occurredAt: '2026-11-20T10:00:00Z',
      version: 1,
      sessionId: 's',
      productId: 'a',
    };
    expect(basketsOf([order('a', 'b', 'a'), view, order('c')])).toEqual([['a', 'b'], ['c']]);
  });
});

describe('mineBundles', () => {
  const shop = (pairs: number) => [
    ...Array.from({ length: pairs }, () => ['tent', 'lamp']),
    ...Array.from({ length: 995 }, (_, i) => [`filler-${i % 300}`]),
  ];

  it('holds a rule to an absolute number of orders, whatever the shop size', () => {
    const five = mineBundles(shop(5));
    expect(five.bundles.get('tent')?.items).toEqual(['tent', 'lamp']);
    expect(five.bundles.get('lamp')?.items).toEqual(['lamp', 'tent']);
    expect(five.bundles.get('tent')?.rule.count).toBe(5);
    expect(mineBundles(shop(4)).bundles.size).toBe(0);
  });

  it('keeps bundles within maxItems and prefers the stronger association', () => {
    const baskets = [
      ...Array.from({ length: 6 }, () => ['desk', 'chair', 'lamp', 'arm']),
      ...Array.from({ length: 30 }, () => ['desk', 'mat']),
      ...Array.from({ length: 300 }, (_, i) => [`other-${i % 50}`, 'mat']),
    ];
    const mined = mineBundles(baskets, { maxItems: 3 });
    for (const b of mined.bundles.values()) expect(b.items.length).toBeLessThanOrEqual(3);
    // desk+mat is frequent but mat is in every other basket (lift near 1): the desk's bundle is its set.
    expect(mined.bundles.get('desk')!.items).not.toContain('mat');
    expect(mineBundles([]).bundles.size).toBe(0);
  });
});

describe('supportFloor', () => {
  it('is minCount up to 500,000 orders and a share of the orders beyond (the defaults)', () => {
    expect(supportFloor(0)).toBe(5);
    expect(supportFloor(3_000)).toBe(5);
    expect(supportFloor(500_000)).toBe(5);
    expect(supportFloor(500_001)).toBe(6);
    expect(supportFloor(6_004_485)).toBe(61);
    expect(supportFloor(6_004_485, { minSupport: 0 })).toBe(5);
  });

  it('rounds the exact share up, not its floating-point product (0.035 of 600 is 21, not 22)', () => {
    expect(0.035 * 600).toBeGreaterThan(21);
    expect(supportFloor(600, { minCount: 2, minSupport: 0.035 })).toBe(21);
  });

  it('reads the share to 12 places, as the SQL literal does, whatever the size', () => {
    // 0.0000123456789012 is written 0.000012345679: 10^12 orders need 12,345,679 of them.
    expect(supportFloor(1e12, { minCount: 2, minSupport: 0.0000123456789012 })).toBe(12_345_679);
    expect(supportFloor(3, { minCount: 2, minSupport: 1e-13 })).toBe(2);
    expect(() => supportFloor(10, { minSupport: 2 })).toThrow(RangeError);
  });

  it('is never below minCount, never below the share, and the least count that meets both', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 2, max: 1000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (baskets, minCount, perMillion) => {
          const minSupport = perMillion / 1e6;
          const floor = supportFloor(baskets, { minCount, minSupport });
          // Exactly, in integers: floor * 1e6 >= perMillion * baskets, and floor - 1 does not meet both.
          const meets = (c: number) =>
            c >= minCount && BigInt(c) * 1_000_000n >= BigInt(perMillion) * BigInt(baskets);
          expect(meets(floor)).toBe(true);
          expect(meets(floor - 1)).toBe(false);
        },
      ),
    );
  });
});

describe('mineBundles at a share of the orders', () => {
  it('drops a bundle a shop bought together too rarely for its size, and keeps it at minSupport 0', () => {
    // 6 orders of tent and lamp among 10,000: under a share of 0.001 (10 orders), above minCount.
    const baskets = [
      ...Array.from({ length: 6 }, () => ['tent', 'lamp']),
      ...Array.from({ length: 9_994 }, (_, i) => [`filler-${i % 500}`]),
    ];
    expect(mineBundles(baskets, { minSupport: 0.001 }).bundles.size).toBe(0);
    expect(mineBundles(baskets, { minSupport: 0.0006 }).bundles.get('tent')?.items).toEqual(['tent', 'lamp']);
    expect(mineBundles(baskets, { minSupport: 0 }).bundles.get('tent')?.items).toEqual(['tent', 'lamp']);
  });
});

describe('bundle settings', () => {
  it('reach the Athena statement: the floor and the share the stage set', () => {
    const run = (bundles?: ReturnType<typeof bundleConfigOf>) =>
      athenaRun('bundle-itemsets', {
        bucket: 'lake-bucket',
        run: 'r',
        nowMs: Date.UTC(2026, 11, 6),
        ...(bundles ? { bundles } : {}),
      }).queryString;
    expect(run()).toContain('greatest(5, CAST(ceil(n * 0.00001) AS BIGINT))');
    expect(run(bundleConfigOf({ minCount: 8, minSupport: 0 }))).toContain(
      'greatest(8, CAST(ceil(n * 0.0) AS BIGINT))',
    );
  });

  afterEach(() => {
    delete process.env.BUNDLE_SETTINGS;
    vi.resetModules();
  });

  it('reach the functions through BUNDLE_SETTINGS, and a malformed variable fails naming it', async () => {
    process.env.BUNDLE_SETTINGS = '{"minSupport":0,"minCount":8}';
    const { bundleConfig } = await import('../../functions/lib/config.ts');
    expect(bundleConfig()).toEqual({ ...bundleConfigOf(), minSupport: 0, minCount: 8 });

    vi.resetModules();
    process.env.BUNDLE_SETTINGS = '{minSupport: 0}';
    const notJson = await import('../../functions/lib/config.ts');
    expect(() => notJson.bundleConfig()).toThrow(/BUNDLE_SETTINGS is not JSON/);

    vi.resetModules();
    process.env.BUNDLE_SETTINGS = '{"minSupport":"0.1"}';
    const wrongType = await import('../../functions/lib/config.ts');
    expect(() => wrongType.bundleConfig()).toThrow(/minSupport/);
  });

  it('refuse a share above 1%, a floor under 2 and a setting nobody reads', () => {
    expect(BundleSettings.safeParse({ minSupport: 0.05 }).success).toBe(false);
    expect(BundleSettings.safeParse({ minCount: 1 }).success).toBe(false);
    expect(BundleSettings.safeParse({ minLift: 2 }).success).toBe(false);
    expect(BundleSettings.parse({ minSupport: 0 })).toEqual({ minSupport: 0 });
  });

  it('write a share as an exact decimal literal that reads back as the same number', () => {
    expect(decimalLiteral(0.00001)).toBe('0.00001');
    expect(decimalLiteral(0)).toBe('0.0');
    expect(decimalLiteral(1)).toBe('1.0');
    expect(() => decimalLiteral(Number.NaN)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (n) => {
        const x = n / 1e12;
        const text = decimalLiteral(x);
        expect(text).toMatch(/^[01]\.\d+$/);
        expect(Number(text)).toBe(x);
      }),
    );
  });
});
