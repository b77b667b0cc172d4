import type { Promotion } from '../../events/catalog.ts';
import type { GroupQuote, QuoteBody } from '../../events/pricing.ts';
import { DomainError } from '../errors.ts';
import type { MissFacts } from './explain.ts';
import { assertMinor, currencyExponent } from './money.ts';
import { render } from './render.ts';
import { byPriority, isActive, memberPriceCovers, type Of, thresholdCovers } from './rules.ts';
import { bundleGap, bundleStage } from './stages/bundle.ts';
import { couponStage } from './stages/coupon.ts';
import { giftStage } from './stages/gift.ts';
import { itemStage } from './stages/item.ts';
import { thresholdStage } from './stages/threshold.ts';
import { allowedFor, type Context, cmp, net, type Outcome, type Switch, sortedIds } from './stages/work.ts';
import type { CartLine, GroupState, QuoteInput } from './types.ts';

/**
 * The pricing engine: a pure function from a cart, a promotion set and what the server knows about
 * the shopper to a priced, explained quote (unsigned: see sign.ts).
 *
 * Stages, in order, each on the prices the previous one left:
 *  1. item prices: member price, group-buy price, flash-sale price. They never stack: each line gets
 *     the lowest one (flash-sale units only up to the shopper's and the stock's remaining cap; the
 *     rest of the line is a line of its own at the best other price);
 *  2. bundles: complete sets of a product list or of a scene's required slots, each unit in at most
 *     one bundle (the largest discount is taken first);
 *  3. spend thresholds (tiers, or "every X off Y" with a cap), optionally limited to categories;
 *  4. coupons the shopper entered (minimum spend, per-user limit and budget from the server);
 *  5. gifts: spend (what the shopper pays) at least T and a zero-price gift line is added.
 *
 * `stackable: false`: once such a promotion applies to a line, no later promotion touches that
 * line (it neither counts towards a later threshold or coupon nor takes any of its discount); within
 * the threshold and coupon stages the exclusive ones go first and keep their lines to themselves
 * (an exclusive coupon is the only coupon). Where exclusive promotions compete, the engine prices
 * the cart with each combination of them switched on or off and keeps the lowest total (then the
 * larger gift value, then the combination that keeps the higher-priority promotions, by priority
 * then promotionId), so the answer is the best for the shopper and the same every time. The
 * engine does not give up a stackable item price to reach a threshold.
 *
 * Margin floor: no line goes below cost * (1 + minMarginPercent/100), rounded up. An item price
 * below it is raised to it; an order-level discount is allocated only within each line's room
 * above the floor, and what no line can take is dropped and reported in `marginCaps`.
 *
 * Each stage is in stages/ (item, bundle, threshold, coupon, gift; the margin floor in margin.ts,
 * what they share in work.ts); render.ts turns the chosen outcome into the quote body.
 */

/** At most 2^8 combinations of exclusive promotions are priced; beyond, the lowest-priority ones stay on. */
export const MAX_EXCLUSIVE_CHOICES = 8;
export { MAX_BUNDLE_SETS } from './stages/bundle.ts';

/** The input checked, the cart merged by product, the promotions sorted and filtered for the shopper. */
function context(input: QuoteInput): Context {
  currencyExponent(input.currency);
  if (!Number.isSafeInteger(input.minMarginPercent) || input.minMarginPercent < 0) {
    throw new DomainError('invalid', 'minMarginPercent must be a non-negative integer', 'minMarginPercent');
  }
  const nowMs = Date.parse(input.now);
  if (Number.isNaN(nowMs)) throw new DomainError('invalid', 'now must be an ISO instant', 'now');
  const merged = new Map<string, CartLine>();
  for (const l of input.lines) {
    if (!Number.isSafeInteger(l.quantity) || l.quantity < 1) {
      throw new DomainError('invalid', 'quantity must be a positive integer', 'items.quantity');
    }
    assertMinor(l.product.listPrice, 'listPrice');
    assertMinor(l.product.cost, 'cost');
    const seen = merged.get(l.product.productId);
    merged.set(l.product.productId, { product: l.product, quantity: (seen?.quantity ?? 0) + l.quantity });
  }
  const cart = [...merged.values()].sort((a, b) => cmp(a.product.productId, b.product.productId));
  let subtotal = 0;
  for (const l of cart) subtotal += l.product.listPrice * l.quantity;
  assertMinor(subtotal, 'subtotal');
  const all = [...input.promotions].sort((a, b) => cmp(a.promotionId, b.promotionId));
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.promotionId === all[i - 1]!.promotionId) {
      throw new DomainError('invalid', `promotion ${all[i]!.promotionId} is given twice`, 'promotions');
    }
  }
  return {
    input,
    nowMs,
    cart,
    all,
    // A segment-limited offer outside the shopper's segment is not offered at all: no stage sees
    // it, so it is not advertised as missed either, except a coupon whose code was entered
    // (couponStage says `segmentOnly`).
    active: all.filter((p) => isActive(p, nowMs) && allowedFor(input.shopper, p)),
    scenes: new Map((input.scenes ?? []).map((s) => [s.sceneId, s])),
    giftProducts: new Map((input.giftProducts ?? []).map((p) => [p.productId, p])),
    codes: sortedIds((input.couponCodes ?? []).map((c) => c.trim().toUpperCase()).filter(Boolean)),
    signedIn: input.shopper.userId !== null,
  };
}

// ---------------------------------------------------------------------------------------------
// Choosing the combination

function evaluate(ctx: Context, on: Switch, group: GroupState | undefined): Outcome {
  const out: Outcome = {
    lines: [],
    applied: new Map(),
    missed: new Map(),
    caps: [],
    next: [],
    gifts: [],
    total: 0,
    giftValue: 0,
  };
  itemStage(ctx, on, group, out);
  bundleStage(ctx, on, out);
  thresholdStage(ctx, on, out);
  couponStage(ctx, on, out);
  giftStage(ctx, out);
  for (const l of out.lines) out.total += net(l);
  return out;
}

/**
 * Exclusive promotions that could apply to this cart for this shopper: the choices the engine
 * weighs. (Those that cannot apply, such as a group price without a completed group, would only
 * double the work.)
 */
function exclusiveChoices(ctx: Context, group: GroupState | undefined): Promotion[] {
  const { shopper } = ctx.input;
  const inCart = (id: string) => ctx.cart.some((l) => l.product.productId === id);
  return ctx.active
    .filter((p) => {
      if (p.stackable) return false;
      switch (p.kind) {
        case 'memberPrice':
          return (
            p.tiers.some((t) => t.tier === shopper.memberTier) &&
            ctx.cart.some((l) => memberPriceCovers(p, l.product))
          );
        case 'groupBuy':
          return group?.promotionId === p.promotionId && group.status === 'completed' && inCart(p.productId);
        case 'flashSale':
          return (
            ctx.signedIn &&
            (shopper.flashSold?.[p.promotionId] ?? 0) < p.stockCap &&
            (shopper.flashBought?.[p.promotionId] ?? 0) < p.perUserCap &&
            inCart(p.productId)
          );
        case 'bundle':
          return bundleGap(ctx, p).overlap;
        case 'threshold':
          return ctx.cart.some((l) => thresholdCovers(p, l.product));
        case 'coupon':
          return (
            ctx.signedIn &&
            ctx.codes.includes(p.code) &&
            (shopper.couponUses?.[p.promotionId] ?? 0) < p.perUserLimit &&
            (shopper.couponBudgetUsed?.[p.promotionId] ?? 0) < p.totalBudgetUses
          );
        default:
          return false; // a gift adds no discount: it never competes
      }
    })
    .sort(byPriority)
    .slice(0, MAX_EXCLUSIVE_CHOICES);
}

function choose(ctx: Context, group: GroupState | undefined): { outcome: Outcome; off: Promotion[] } {
  const choices = exclusiveChoices(ctx, group);
  const k = choices.length;
  let best: Outcome | null = null;
  let bestOff: Promotion[] = [];
  // Bit (k-1-i) switches choice i off: the highest-priority choice is the most significant bit, so
  // on a tie the first (smallest) mask, the one keeping higher-priority promotions on, stays.
  for (let mask = 0; mask < 1 << k; mask++) {
    const off = choices.filter((_, i) => (mask & (1 << (k - 1 - i))) !== 0);
    const offIds = new Set(off.map((p) => p.promotionId));
    const o = evaluate(ctx, (p) => !offIds.has(p.promotionId), group);
    if (best === null || o.total < best.total || (o.total === best.total && o.giftValue > best.giftValue)) {
      best = o;
      bestOff = off;
    }
  }
  return { outcome: best!, off: bestOff };
}

// ---------------------------------------------------------------------------------------------
// The quote

/** Prices a cart: the unsigned quote body, in `input.locale`. Pure and deterministic. */
export function priceQuote(input: QuoteInput): QuoteBody {
  const ctx = context(input);
  const g = input.shopper.group;
  const { outcome, off } = choose(ctx, g);
  let group: GroupQuote | null = null;
  const extraMisses: [string, MissFacts][] = [];
  if (g !== undefined) {
    const promo = ctx.all.find(
      (p): p is Of<'groupBuy'> => p.kind === 'groupBuy' && p.promotionId === g.promotionId,
    );
    const line = (o: Outcome) =>
      o.lines.find((l) => l.kind === 'item' && l.product.productId === promo?.productId) ??
      o.lines.find((l) => l.product.productId === promo?.productId);
    const now = line(outcome);
    if (promo !== undefined && !isActive(promo, ctx.nowMs)) {
      extraMisses.push([promo.promotionId, { reason: 'expired', promotion: promo }]);
    } else if (promo !== undefined && now === undefined) {
      extraMisses.push([promo.promotionId, { reason: 'notInCart', promotion: promo }]);
    } else if (promo !== undefined && now !== undefined) {
      const later = g.status === 'open' ? choose(ctx, { ...g, status: 'completed' }).outcome : outcome;
      group = {
        groupId: g.groupId,
        promotionId: g.promotionId,
        productId: promo.productId,
        status: g.status,
        members: g.members,
        size: g.size,
        unitPriceNow: now.unitPrice,
        unitPriceWhenComplete: line(later)?.unitPrice ?? now.unitPrice,
        totalNow: outcome.total,
        totalWhenComplete: later.total,
      };
    }
  }
  return render(ctx, outcome, off, group, extraMisses);
}
