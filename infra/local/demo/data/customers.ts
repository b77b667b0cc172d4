import type { Customer } from '../../../../events/catalog.ts';
import type { MemberTier } from '../../../../events/common.ts';
import { DAY_MS, isoDate } from './calendar.ts';
import { pad } from './catalog.ts';
import type { Rng } from './prng.ts';

export interface CustomerPlan {
  customer: Customer;
  /** How often this shopper visits, relative to others (a few very active shoppers, many occasional). */
  activity: number;
}

const TIERS: readonly [MemberTier, number][] = [
  ['none', 0.55],
  ['silver', 0.25],
  ['gold', 0.14],
  ['platinum', 0.06],
];
const TIER_ACTIVITY: Record<MemberTier, number> = { none: 1, silver: 1.3, gold: 2, platinum: 3 };

const REGIONS: readonly [string, number][] = [
  ['CN-GD', 0.16],
  ['CN-ZJ', 0.12],
  ['CN-JS', 0.11],
  ['CN-SH', 0.1],
  ['CN-BJ', 0.09],
  ['CN-SD', 0.08],
  ['CN-SC', 0.07],
  ['CN-FJ', 0.06],
  ['CN-HB', 0.06],
  ['CN-HN', 0.05],
  ['CN-CQ', 0.05],
  ['CN-SN', 0.05],
];

export function generateCustomers(r: Rng, count: number, endMs: number): CustomerPlan[] {
  const endDay = Math.floor(endMs / DAY_MS) * DAY_MS;
  return Array.from({ length: count }, (_, i) => {
    const memberTier = r.weighted(TIERS, ([, w]) => w)[0];
    const customer: Customer = { userId: `u-${pad(i + 1, 5)}`, memberTier };
    if (memberTier !== 'none') {
      const years = memberTier === 'platinum' ? 6 : memberTier === 'gold' ? 4 : 3;
      customer.memberSince = isoDate(endDay - r.int(20, years * 365) * DAY_MS);
    }
    customer.region = r.weighted(REGIONS, ([, w]) => w)[0];
    // Pareto-like visit frequency.
    const activity = TIER_ACTIVITY[memberTier] * (1 - r.next()) ** -0.7;
    return { customer, activity: Math.min(activity, 60) };
  });
}
