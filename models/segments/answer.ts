import type { RfmCutPoints, RfmProfile, SegmentPolicy, UserProfileResponse } from '../../events/segments.ts';
import { DEFAULT_SEGMENT_POLICY } from './policy.ts';
import { priceSignals, purchasePriceStyle } from './profile.ts';
import { classify } from './rules.ts';
import { DAY_MS } from './scoring.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** Four decimals are plenty for a share read by people and by scene filling. */
const round4 = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

/**
 * The body of `GET /v1/users/{userId}/profile` (admin). A signed-in shopper with no order yet
 * (no stored profile) is a 200 with `hasOrders: false` and null scores and segment, not a 404:
 * the user exists, they just have no RFM yet.
 */
export function profileAnswer({
  userId,
  profile,
  cuts,
  policy = DEFAULT_SEGMENT_POLICY,
  now,
}: {
  userId: string;
  profile: RfmProfile | undefined;
  cuts: RfmCutPoints;
  policy?: SegmentPolicy;
  /** Epoch ms. */
  now: number;
}): UserProfileResponse {
  const p = profile !== undefined && profile.orders > 0 ? profile : undefined;
  const c = classify(p, cuts, policy.table);
  const signals = p ? priceSignals(p) : { discountShare: null, averagePriceBand: null, pricedUnits: 0 };
  return {
    userId,
    asOf: iso(now),
    hasOrders: p !== undefined,
    rfm: {
      firstOrderAt: p ? iso(p.firstOrderAt) : null,
      lastOrderAt: p ? iso(p.lastOrderAt) : null,
      daysSinceLastOrder: p ? Math.max(0, Math.floor((now - p.lastOrderAt) / DAY_MS)) : null,
      orders: p?.orders ?? 0,
      monetary: p?.monetary ?? 0,
    },
    scores: c?.scores ?? null,
    segment: c
      ? {
          name: c.segment.segment,
          description: c.segment.description,
          rule: c.segment.rule,
          treatment: Object.hasOwn(policy.treatments, c.segment.segment)
            ? policy.treatments[c.segment.segment]!
            : {},
        }
      : null,
    signals: {
      discountShare: round4(signals.discountShare),
      averagePriceBand: round4(signals.averagePriceBand),
      pricedUnits: signals.pricedUnits,
      priceStyle: purchasePriceStyle(p),
    },
    distribution: { method: cuts.method, population: cuts.population, computedAt: cuts.computedAt },
  };
}
