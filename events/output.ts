import { z } from 'zod';
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

export const OutputEvent = z.discriminatedUnion('type', [HitRankingUpdated]);
export type OutputEvent = z.infer<typeof OutputEvent>;
