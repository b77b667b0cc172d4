import * as z from 'zod';

/**
 * Strategies: how a surface weighs its candidate sources. Named built-ins live beside the domain
 * (models/related/strategies.ts, models/scenes/strategies.ts); experiments' variants name them,
 * and the segment policy (events/segments.ts) names one or writes its own weights per segment.
 */

/** The name of a strategy the serving code knows, e.g. a related-products weighting. */
export const StrategyName = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

/**
 * The kinds of evidence behind a related item (the part of a reason before any `:`): a stored
 * neighbour's, or the answer's popular fallbacks (`popular_in_category`, `popular`), which fill a
 * list the neighbours leave short.
 */
export const NeighbourReasonKind = z.enum([
  'bought_together',
  'viewed_together',
  'same_scene',
  'similar_content',
  'popular_in_category',
  'popular',
]);
export type NeighbourReasonKind = z.infer<typeof NeighbourReasonKind>;

/**
 * Related products' candidate sources and their weights. A weight of 0 turns a source off: a
 * neighbour whose every reason weighs 0 is left out, as are the visit's or the user's candidates
 * at 0, and the popular fallbacks at 0 (the list may then be short). A reason kind not listed
 * weighs 1; the fallbacks keep their place at the end of the chain whatever their weight.
 */
export const RelatedStrategySpec = z.strictObject({
  description: z.string().max(300).optional(),
  /** The visit's candidates, against the anchor's best neighbour score. */
  sessionWeight: z.number().min(0).max(10),
  /** The signed-in shopper's candidates, likewise. */
  userWeight: z.number().min(0).max(10),
  reasonWeights: z.partialRecord(NeighbourReasonKind, z.number().min(0).max(10)).default({}),
});
export type RelatedStrategySpec = z.infer<typeof RelatedStrategySpec>;

/**
 * Scene filling's weights: where the shopper's price style comes from and how much it and the
 * visit count against the evidence linking a pick with the fill (normalised to 1 per slot).
 */
export const SceneFillStrategySpec = z.strictObject({
  description: z.string().max(300).optional(),
  /**
   * `purchases`: the shopper's purchase price signal (RFM profile) when it has enough history,
   * else what the visit looked at; `visit`: only what the visit looked at; `none`: no price style.
   */
  priceStyleFrom: z.enum(['purchases', 'visit', 'none']),
  /** The most the price style adds to a candidate's score. */
  styleBonus: z.number().min(0).max(2),
  /** Added to a candidate the shopper looked at during the visit. */
  recentBonus: z.number().min(0).max(2),
});
export type SceneFillStrategySpec = z.infer<typeof SceneFillStrategySpec>;
