import type { Promotion } from '../../../events/catalog.ts';
import type { MarginCap } from '../../../events/pricing.ts';
import { explainCap, type Voice } from '../explain.ts';
import { type Cap, cmp, net, type Outcome, sortedIds, type WorkLine } from './work.ts';

/**
 * The margin floor, which every stage keeps: no line goes below cost * (1 + minMarginPercent/100),
 * rounded up (`floorUnit`, set by the item stage). A discount is placed only within a line's room
 * above the floor; what no line can take is dropped and reported as a cap.
 */

/** What a line can still be discounted before it reaches its floor. */
export const room = (l: WorkLine) => net(l) - l.floorUnit * l.quantity;

/** Records a cap when a promotion placed less than it asked for. */
export function capIfShort(
  out: Outcome,
  p: Promotion,
  lines: WorkLine[],
  requested: number,
  granted: number,
): void {
  if (granted < requested) {
    out.caps.push({ promotion: p, productIds: lines.map((l) => l.product.productId), requested, granted });
  }
}

/** The caps as the quote reports them: one per promotion, summed over the stages and lines. */
export function marginCaps(caps: readonly Cap[], voice: Voice): MarginCap[] {
  const capsBy = new Map<string, Cap>();
  for (const c of caps) {
    const seen = capsBy.get(c.promotion.promotionId);
    if (seen === undefined) capsBy.set(c.promotion.promotionId, { ...c, productIds: [...c.productIds] });
    else {
      seen.requested += c.requested;
      seen.granted += c.granted;
      seen.productIds.push(...c.productIds);
    }
  }
  return [...capsBy.values()]
    .sort((a, b) => cmp(a.promotion.promotionId, b.promotion.promotionId))
    .map((c) => ({
      promotionId: c.promotion.promotionId,
      productIds: sortedIds(c.productIds),
      requested: c.requested,
      granted: c.granted,
      capped: c.requested - c.granted,
      explanation: explainCap(c.requested - c.granted, voice),
    }));
}
