import type { Experiment, ServedVariant } from '../../events/experiments.ts';
import type { QuoteBody } from '../../events/pricing.ts';
import { assignmentFor } from './assign.ts';

/**
 * Promotion experiments on quotes: which promotions a signed-in shopper's variants withhold, and
 * which variants count as served once the cart is known.
 *
 * Several promotion experiments can serve one quote, one per promotion. When two running
 * experiments target the same promotion, the one that started first (then the smaller id) decides
 * it for shoppers in its audience, as on the related surface; the other only gets the shoppers the
 * first does not take.
 *
 * Exposure is triggered, not per quote: a shopper counts for an experiment only when its promotion
 * concerned the cart, i.e. when the quote priced with the promotion on (the 'apply' arm's world)
 * applies it or names it among the missed offers (below a minimum spend, an incomplete set, a
 * better offer won...). Both arms are triggered by that same rule, computed the same way whatever
 * the shopper's arm, so the arms stay comparable; exposing on every quote would count shoppers the
 * promotion could never have touched and dilute the difference. See `triggeredBy`.
 */

/** Whether an experiment tests a promotion. */
export const servesPromotion = (
  e: Experiment,
): e is Experiment & { target: { kind: 'promotion'; promotionId: string } } => e.target.kind === 'promotion';

export interface PromotionAssignment extends ServedVariant {
  promotionId: string;
  arm: 'apply' | 'withhold';
}

export interface PromotionPlan {
  /** Promotions the engine must not see for this shopper: their variant withholds them. */
  withheld: Set<string>;
  /**
   * The variant of each experiment deciding a promotion for this shopper, one per promotion. They
   * serve the quote (and are exposed) only if the promotion concerns the cart: `triggeredBy`.
   */
  served: PromotionAssignment[];
}

const byStart = (a: Experiment, b: Experiment) =>
  Date.parse(a.startAt) - Date.parse(b.startAt) || (a.experimentId < b.experimentId ? -1 : 1);

/**
 * The shopper's arm of every running promotion experiment whose audience they are in. Guests
 * (`userId` undefined) get none: assignment needs a stable id. The segment is the server's
 * (`classify` on the stored profile), never the request's. A variant without an arm (the schema
 * refuses one; an older definition could have it) leaves the promotion as it is and is not served.
 */
export function planPromotions(
  experiments: readonly Experiment[],
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
): PromotionPlan {
  const withheld = new Set<string>();
  const served: PromotionAssignment[] = [];
  const decided = new Set<string>();
  for (const e of experiments.filter(servesPromotion).sort(byStart)) {
    const promotionId = e.target.promotionId;
    if (decided.has(promotionId)) continue;
    const a = assignmentFor(e, shopper, now);
    if (a === null) continue;
    decided.add(promotionId);
    const arm = a.variant.promotion;
    if (arm === undefined) continue;
    if (arm === 'withhold') withheld.add(promotionId);
    served.push({ experimentId: a.experimentId, variantId: a.variantId, promotionId, arm });
  }
  return { withheld, served };
}

/** The promotions a quote applies or names as missed: the ones that concerned this cart. */
export function promotionsConcerned(quote: Pick<QuoteBody, 'applied' | 'missed'>): Set<string> {
  const ids = new Set<string>();
  for (const a of quote.applied) ids.add(a.promotionId);
  for (const m of quote.missed) if (m.promotionId !== undefined) ids.add(m.promotionId);
  return ids;
}

/**
 * The variants that served a quote: those whose promotion concerned the cart when priced with every
 * planned promotion on (`withPromotions`, the quote nobody is withheld from). For a shopper with
 * nothing withheld that is the quote itself; otherwise the caller prices once more, so at most two
 * engine runs per quote, whatever the number of experiments.
 */
export function triggeredBy(
  plan: PromotionPlan,
  withPromotions: Pick<QuoteBody, 'applied' | 'missed'>,
): ServedVariant[] {
  const concerned = promotionsConcerned(withPromotions);
  return plan.served
    .filter((s) => concerned.has(s.promotionId))
    .map(({ experimentId, variantId }) => ({ experimentId, variantId }));
}
