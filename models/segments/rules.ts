import {
  type RfmCutPoints,
  type RfmProfile,
  SegmentTable,
  type SegmentTableInput,
} from '../../events/segments.ts';
import { type RfmScores, scoreProfile } from './scoring.ts';

/**
 * The default segment table, in the style of the common RFM segmentations (champions / loyal /
 * new / promising / at risk / about to sleep / hibernating), folded into the treatments the
 * marketing plans name. Rows are tried in order, the first match wins, so each row only has to
 * say what sets its shoppers apart from the rows after it. Every (R, F, M) combination matches a
 * row (a test checks all 125 with one and with several orders); the fallback is there for edited
 * tables.
 *
 * | # | segment        | R   | F   | M   | orders | why |
 * |---|----------------|-----|-----|-----|--------|-----|
 * | 0 | core-loyal     | 3-5 | 4-5 | 4-5 |        | buy often, spend most, and not long ago: member privileges |
 * | 1 | new            | 4-5 |     |     | 1      | a first order, recently: welcome them back for a second |
 * | 2 | promising      | 3-5 |     |     |        | recent, not yet core: scene bundles, gift with purchase to grow the basket |
 * | 3 | at-risk        | 1-2 | 3-5 |     |        | were repeat buyers, have not bought for a while: remind them before they go |
 * | 4 | about-to-sleep | 2   |     |     |        | light buyers cooling off: soft nudges, no discount yet |
 * | 5 | dormant        | 1   |     |     |        | light buyers, longest gone: a personal win-back offer on what they bought |
 * | - | others         |     |     |     |        | fallback |
 *
 * Recency leads because it is the strongest predictor of a next order in RFM studies; F = 1 is
 * "fewest orders" whatever the shop (the smallest value always scores 1), so "new" uses the raw
 * order count, which quintiles cannot express.
 */
export const DEFAULT_SEGMENT_TABLE_INPUT: SegmentTableInput = {
  rules: [
    {
      segment: 'core-loyal',
      description: 'Buy often, spend the most, and bought recently: member privileges.',
      r: { min: 3 },
      f: { min: 4 },
      m: { min: 4 },
    },
    {
      segment: 'new',
      description: 'First order, placed recently: welcome offers towards a second order.',
      r: { min: 4 },
      orders: { max: 1 },
    },
    {
      segment: 'promising',
      description: 'Bought recently but not yet core: scene bundles and gifts with purchase.',
      r: { min: 3 },
    },
    {
      segment: 'at-risk',
      description: 'Were repeat buyers, have not bought for a while: remind them before they go.',
      r: { max: 2 },
      f: { min: 3 },
    },
    {
      segment: 'about-to-sleep',
      description: 'Few orders, cooling off: soft nudges, no discount yet.',
      r: { min: 2, max: 2 },
    },
    {
      segment: 'dormant',
      description: 'Few orders, longest gone: a personal win-back offer built on what they bought.',
      r: { max: 1 },
    },
  ],
  fallback: { segment: 'others', description: 'No rule matched.' },
};

export const DEFAULT_SEGMENT_TABLE: SegmentTable = SegmentTable.parse(DEFAULT_SEGMENT_TABLE_INPUT);

export interface SegmentMatch {
  segment: string;
  description: string;
  /** Index of the matching rule, or null for the fallback. */
  rule: number | null;
}

const within = (x: number, range: { min?: number | undefined; max?: number | undefined } | undefined) =>
  range === undefined ||
  ((range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max));

/** The first rule the shopper matches, else the fallback. */
export function matchSegment(
  scores: RfmScores,
  orders: number,
  table: SegmentTable = DEFAULT_SEGMENT_TABLE,
): SegmentMatch {
  const i = table.rules.findIndex(
    (rule) =>
      within(scores.r, rule.r) &&
      within(scores.f, rule.f) &&
      within(scores.m, rule.m) &&
      within(orders, rule.orders),
  );
  const rule = table.rules[i];
  if (rule === undefined) return { ...table.fallback, rule: null };
  return { segment: rule.segment, description: rule.description, rule: i };
}

export interface Classified {
  scores: RfmScores;
  segment: SegmentMatch;
}

/**
 * A shopper's scores and segment from their stored profile, or null for a shopper with no order
 * (no profile): what promotions' segment targeting and experiments' audiences read, always from
 * the server's profile, never from a request.
 */
export function classify(
  profile: RfmProfile | undefined,
  cuts: RfmCutPoints,
  table: SegmentTable = DEFAULT_SEGMENT_TABLE,
): Classified | null {
  if (profile === undefined || profile.orders < 1) return null;
  const scores = scoreProfile(profile, cuts);
  return { scores, segment: matchSegment(scores, profile.orders, table) };
}

/**
 * Whether a shopper whose server-side segment is `segment` (null: no orders yet) may have an offer
 * limited to `segments` (a promotion's target list; undefined or empty: everyone). A dormant-only
 * win-back coupon is then refused to a core-loyal shopper whatever the request claims.
 */
export function segmentAllows(segments: readonly string[] | undefined, segment: string | null): boolean {
  if (segments === undefined || segments.length === 0) return true;
  return segment !== null && segments.includes(segment);
}
