import type { Promotion } from '../../../events/catalog.ts';
import { allocate } from '../allocate.ts';
import type { AppliedFacts } from '../explain.ts';
import { capIfShort, room } from './margin.ts';
import { miss, type Outcome } from './work.ts';

/**
 * What the threshold and coupon stages share: an order-level discount spread over the open lines
 * in proportion to their amounts as they stood when the stage began (`snapshot`), each line within
 * its room above the margin floor.
 */
export function orderDiscount(
  out: Outcome,
  p: Promotion,
  open: number[],
  snapshot: number[],
  off: number,
  facts: AppliedFacts,
): boolean {
  const lines = out.lines;
  const { shares, placed } = allocate(
    off,
    open.map((i) => snapshot[i]!),
    open.map((i) => room(lines[i]!)),
  );
  capIfShort(
    out,
    p,
    open.map((i) => lines[i]!),
    off,
    placed,
  );
  if (placed === 0) {
    miss(out, p.promotionId, {
      reason: 'marginFloor',
      promotion: p,
      code: p.kind === 'coupon' ? p.code : undefined,
    });
    return false;
  }
  open.forEach((i, k) => {
    const l = lines[i]!;
    l.discount += shares[k]!;
    l.promotionIds.add(p.promotionId);
    if (!p.stackable) l.closedBy = p;
  });
  facts.amount = placed;
  out.applied.set(p.promotionId, {
    facts,
    productIds: new Set(open.map((i) => lines[i]!.product.productId)),
  });
  return true;
}
