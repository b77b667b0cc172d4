import type { Promotion } from '../../../events/catalog.ts';
import { marginFloorUnit, percentOf } from '../money.ts';
import { byPriority, memberPriceCovers, type Of } from '../rules.ts';
import type { CartLine, GroupState, PricedProduct } from '../types.ts';
import { type Context, cmp, miss, type Outcome, type Switch, type WorkLine } from './work.ts';

/**
 * Stage 1: item prices. Member price, group-buy price and flash-sale price never stack: each line
 * gets the lowest one, raised to the margin floor (flash-sale units only up to the shopper's and
 * the stock's remaining cap; the rest of the line is a line of its own at the best other price).
 */

type ItemPromotion = Of<'memberPrice'> | Of<'groupBuy'> | Of<'flashSale'>;

/** The price a promotion asks for a product, for how many of its units. */
interface Ask {
  requested: number;
  units: number;
}

interface ItemOffer extends Ask {
  promotion: Promotion;
  /** The requested price raised to the margin floor. */
  unit: number;
}

const isItemPromotion = (p: Promotion): p is ItemPromotion =>
  p.kind === 'memberPrice' || p.kind === 'groupBuy' || p.kind === 'flashSale';

function better(c: ItemOffer, b: ItemOffer | null): boolean {
  return b === null || c.unit < b.unit || (c.unit === b.unit && byPriority(c.promotion, b.promotion) < 0);
}

export function itemStage(ctx: Context, on: Switch, group: GroupState | undefined, out: Outcome) {
  const offers = ctx.active.filter((p): p is ItemPromotion => isItemPromotion(p) && on(p));
  for (const line of ctx.cart) {
    const { product } = line;
    const floorUnit = marginFloorUnit(product.cost, product.listPrice, ctx.input.minMarginPercent);
    const { best, flash, losers } = bestOffers(ctx, offers, line, floorUnit, group, out);
    out.lines.push(...pricedLines(line, floorUnit, best, flash, losers, out));
    for (const p of losers) miss(out, p.promotionId, { reason: 'betterOfferApplied', promotion: p });
  }
  // Keep the lines sorted by id: `p-1` before `p-1#flash`, all in productId order.
  out.lines.sort((a, b) => cmp(a.lineId, b.lineId));
}

/** The lowest flash-sale offer and the lowest other offer for one cart line, and the promotions they beat. */
function bestOffers(
  ctx: Context,
  offers: readonly ItemPromotion[],
  line: CartLine,
  floorUnit: number,
  group: GroupState | undefined,
  out: Outcome,
): { best: ItemOffer | null; flash: ItemOffer | null; losers: Promotion[] } {
  let best: ItemOffer | null = null;
  let flash: ItemOffer | null = null;
  const losers: Promotion[] = [];
  for (const p of offers) {
    const ask = askOf(ctx, p, line, group, out);
    if (ask === null) continue;
    const offer = offerAtFloor(p, ask, line.product, floorUnit, out);
    if (offer === null) continue;
    if (p.kind === 'flashSale') flash = keepBetter(offer, flash, losers);
    else best = keepBetter(offer, best, losers);
  }
  return { best, flash, losers };
}

/** The better of an offer and the current one; the other goes to the losers. */
function keepBetter(offer: ItemOffer, current: ItemOffer | null, losers: Promotion[]): ItemOffer | null {
  if (!better(offer, current)) {
    losers.push(offer.promotion);
    return current;
  }
  if (current !== null) losers.push(current.promotion);
  return offer;
}

/** What the promotion asks for the line, or null (said why in `out` where the shopper should know). */
function askOf(
  ctx: Context,
  p: ItemPromotion,
  { product, quantity }: CartLine,
  group: GroupState | undefined,
  out: Outcome,
): Ask | null {
  switch (p.kind) {
    case 'memberPrice':
      return memberAsk(ctx, p, product, quantity, out);
    case 'groupBuy':
      return groupAsk(p, product, quantity, group, out);
    case 'flashSale':
      return flashAsk(ctx, p, product, quantity, out);
  }
}

function memberAsk(
  ctx: Context,
  p: Of<'memberPrice'>,
  product: PricedProduct,
  quantity: number,
  out: Outcome,
): Ask | null {
  if (!memberPriceCovers(p, product)) return null;
  const tier = p.tiers.find((t) => t.tier === ctx.input.shopper.memberTier);
  if (tier === undefined) {
    miss(out, p.promotionId, { reason: 'membersOnly', promotion: p });
    return null;
  }
  return { requested: product.listPrice - percentOf(product.listPrice, tier.percentOff), units: quantity };
}

function groupAsk(
  p: Of<'groupBuy'>,
  product: PricedProduct,
  quantity: number,
  group: GroupState | undefined,
  out: Outcome,
): Ask | null {
  if (p.productId !== product.productId) return null;
  if (group === undefined || group.promotionId !== p.promotionId) {
    miss(out, p.promotionId, {
      reason: 'groupNotJoined',
      promotion: p,
      unitPrice: p.groupPrice,
      size: p.groupSize,
    });
    return null;
  }
  if (group.status !== 'completed') {
    const reason = group.status === 'open' ? 'groupOpen' : 'groupExpired';
    miss(out, p.promotionId, {
      reason,
      promotion: p,
      unitPrice: p.groupPrice,
      members: group.members,
      size: group.size,
    });
    return null;
  }
  return { requested: p.groupPrice, units: quantity };
}

function flashAsk(
  ctx: Context,
  p: Of<'flashSale'>,
  product: PricedProduct,
  quantity: number,
  out: Outcome,
): Ask | null {
  if (p.productId !== product.productId) return null;
  const id = p.promotionId;
  if (!ctx.signedIn) {
    miss(out, id, { reason: 'signInRequired', promotion: p });
    return null;
  }
  const { shopper } = ctx.input;
  const stockLeft = p.stockCap - (shopper.flashSold?.[id] ?? 0);
  const userLeft = p.perUserCap - (shopper.flashBought?.[id] ?? 0);
  if (stockLeft <= 0) {
    miss(out, id, { reason: 'soldOut', promotion: p });
    return null;
  }
  if (userLeft <= 0) {
    miss(out, id, { reason: 'perUserLimitReached', promotion: p, count: p.perUserCap });
    return null;
  }
  return { requested: p.price, units: Math.min(quantity, stockLeft, userLeft) };
}

/**
 * The offer at the margin floor: none when it asks no less than the list price, and none (a miss
 * and a cap for all of it) when the floor leaves it nothing to give.
 */
function offerAtFloor(
  p: Promotion,
  ask: Ask,
  product: PricedProduct,
  floorUnit: number,
  out: Outcome,
): ItemOffer | null {
  const list = product.listPrice;
  if (ask.requested >= list) return null;
  const unit = Math.max(ask.requested, floorUnit);
  if (unit >= list) {
    miss(out, p.promotionId, { reason: 'marginFloor', promotion: p });
    out.caps.push({
      promotion: p,
      productIds: [product.productId],
      requested: (list - ask.requested) * ask.units,
      granted: 0,
    });
    return null;
  }
  return { promotion: p, requested: ask.requested, unit, units: ask.units };
}

/**
 * The work lines of one cart line: the flash-sale units at the flash price when it is the lowest,
 * the rest at the best other offer (or the list price). A flash sale that loses joins the losers.
 */
function pricedLines(
  { product, quantity }: CartLine,
  floorUnit: number,
  best: ItemOffer | null,
  flash: ItemOffer | null,
  losers: Promotion[],
  out: Outcome,
): WorkLine[] {
  const make = (kind: 'item' | 'flash', qty: number, offer: ItemOffer | null) =>
    workLine(product, floorUnit, kind, qty, offer, out);
  if (flash !== null && (best === null || flash.unit < best.unit)) {
    const lines = [make('flash', flash.units, flash)];
    if (quantity > flash.units) lines.push(make('item', quantity - flash.units, best));
    return lines;
  }
  if (flash !== null) losers.push(flash.promotion);
  return [make('item', quantity, best)];
}

/** One priced work line, with a cap when the margin floor held the offer's price up. */
function workLine(
  product: PricedProduct,
  floorUnit: number,
  kind: 'item' | 'flash',
  qty: number,
  offer: ItemOffer | null,
  out: Outcome,
): WorkLine {
  const list = product.listPrice;
  const p = offer?.promotion ?? null;
  if (offer !== null && offer.requested < offer.unit) {
    out.caps.push({
      promotion: offer.promotion,
      productIds: [product.productId],
      requested: (list - offer.requested) * qty,
      granted: (list - offer.unit) * qty,
    });
  }
  return {
    lineId: kind === 'flash' ? `${product.productId}#flash` : product.productId,
    product,
    kind,
    quantity: qty,
    unitPrice: offer?.unit ?? list,
    itemPromotion: p,
    floorUnit,
    discount: 0,
    closedBy: p !== null && !p.stackable ? p : null,
    promotionIds: new Set(p === null ? [] : [p.promotionId]),
  };
}
