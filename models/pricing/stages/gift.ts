import { type Context, miss, net, type Outcome } from './work.ts';

/** Stage 5: gifts. Spend (what the shopper pays) at least the minimum and a zero-price gift line is added. */
export function giftStage(ctx: Context, out: Outcome) {
  let spend = 0;
  for (const l of out.lines) spend += net(l);
  for (const p of ctx.active) {
    if (p.kind !== 'gift' || ctx.cart.length === 0) continue;
    if (spend < p.minSpend) {
      miss(out, p.promotionId, { reason: 'belowMinSpend', promotion: p, needed: p.minSpend, have: spend });
      continue;
    }
    const product = ctx.giftProducts.get(p.giftProductId);
    if (product === undefined) {
      miss(out, p.promotionId, { reason: 'giftUnavailable', promotion: p });
      continue;
    }
    out.gifts.push({ promotion: p, product });
    out.giftValue += product.listPrice * p.quantity;
    out.applied.set(p.promotionId, {
      facts: { promotion: p, amount: 0, giftTitle: product.title, quantity: p.quantity },
      productIds: new Set([product.productId]),
    });
  }
}
