import * as z from 'zod';
import { Slug } from './catalog.ts';
import { ProductId } from './common.ts';
import { eventSchema } from './envelope.ts';

export const RankedHit = z.object({
  productId: ProductId,
  rank: z.int().min(1),
  /** Model probability that the product enters its category's top sellers next window. */
  hitScore: z.number().min(0).max(1),
  /** Rank in the previous version of this ranking; null when the product is new to it. */
  previousRank: z.int().min(1).nullable(),
});

export const HitRankingUpdated = eventSchema('HitRankingUpdated', {
  /** "global" or a category slug. */
  scope: z.union([z.literal('global'), Slug]),
  rankingVersion: z.int().min(1),
  modelVersion: z.string().min(1).max(64),
  top: z.array(RankedHit).max(100),
});
export type HitRankingUpdated = z.infer<typeof HitRankingUpdated>;

/**
 * Internal: a batch of behaviour events was added to the signal buckets of these products, so
 * their hit scores are stale. Re-ranking is idempotent, so a redelivery only costs a rescore.
 */
export const SignalsAggregated = eventSchema('SignalsAggregated', {
  productIds: z.array(ProductId).min(1).max(1_000),
  /** Behaviour events in the batch (new and duplicate deliveries alike). */
  events: z.int().min(0),
});
export type SignalsAggregated = z.infer<typeof SignalsAggregated>;

/** Internal: a retrained hit model was stored; every product is scored again with it. */
export const HitModelTrained = eventSchema('HitModelTrained', {
  modelVersion: z.string().min(1).max(64),
  /** Validation figures of the new model and of the one it replaces, for the audit trail. */
  metrics: z.record(z.string(), z.number().nullable()),
});
export type HitModelTrained = z.infer<typeof HitModelTrained>;

export const OutputEvent = z.discriminatedUnion('type', [
  HitRankingUpdated,
  SignalsAggregated,
  HitModelTrained,
]);
export type OutputEvent = z.infer<typeof OutputEvent>;
