import type { Promotion, Scene } from '../../events/catalog.ts';
import type {
  AppliedPromotion,
  GroupQuote,
  MarginCap,
  MissedPromotion,
  NextTier,
  PricingStage,
  QuoteBody,
  QuoteLine,
  Reservation,
} from '../../events/pricing.ts';
import { DomainError } from '../errors.ts';
import { segmentAllows } from '../segments/rules.ts';
import { allocate } from './allocate.ts';
import {
  type AppliedFacts,
  explainApplied,
  explainCap,
  explainMissed,
  explainNextTier,
  type MissFacts,
  type Voice,
} from './explain.ts';
import { assertMinor, currencyExponent, marginFloorUnit, percentOf } from './money.ts';
import {
  bundleDiscount,
  byPriority,
  couponOff,
  exclusiveFirst,
  fitsSlot,
  isActive,
  memberPriceCovers,
  type Of,
  thresholdCovers,
  thresholdOff,
} from './rules.ts';
import type { CartLine, GroupState, PricedProduct, QuoteInput } from './types.ts';

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
 */

/** At most 2^8 combinations of exclusive promotions are priced; beyond, the lowest-priority ones stay on. */
export const MAX_EXCLUSIVE_CHOICES = 8;
/** A bundle applies at most this many times to one cart. */
export const MAX_BUNDLE_SETS = 100;

const STAGE: Record<Promotion['kind'], PricingStage> = {
  memberPrice: 'item',
  groupBuy: 'item',
  flashSale: 'item',
  bundle: 'bundle',
  threshold: 'threshold',
  coupon: 'coupon',
  gift: 'gift',
};
const STAGE_RANK: Record<PricingStage, number> = { item: 0, bundle: 1, threshold: 2, coupon: 3, gift: 4 };

interface WorkLine {
  lineId: string;
  product: PricedProduct;
  kind: 'item' | 'flash';
  quantity: number;
  unitPrice: number;
  itemPromotion: Promotion | null;
  floorUnit: number;
  /** Bundle and order-level discount allocated so far. */
  discount: number;
  /** The exclusive promotion after which no later stage touches this line. */
  closedBy: Promotion | null;
  promotionIds: Set<string>;
}

const net = (l: WorkLine) => l.unitPrice * l.quantity - l.discount;
const room = (l: WorkLine) => net(l) - l.floorUnit * l.quantity;

interface StageApplied {
  facts: AppliedFacts;
  productIds: Set<string>;
}

interface Cap {
  promotion: Promotion;
  productIds: string[];
  requested: number;
  granted: number;
}

interface Outcome {
  lines: WorkLine[];
  applied: Map<string, StageApplied>;
  /** Keyed by promotionId, or `code:<code>` for an unknown coupon code; the first reason stays. */
  missed: Map<string, MissFacts>;
  caps: Cap[];
  next: { promotion: Promotion; add: number; extraSaving: number }[];
  gifts: { promotion: Of<'gift'>; product: PricedProduct }[];
  total: number;
  giftValue: number;
}

interface Context {
  input: QuoteInput;
  nowMs: number;
  /** One line per product, sorted by productId: the order of the items never matters. */
  cart: CartLine[];
  /** Active promotions for this shopper's segment, sorted by promotionId. */
  active: Promotion[];
  all: Promotion[];
  scenes: Map<string, Scene>;
  giftProducts: Map<string, PricedProduct>;
  codes: string[];
  signedIn: boolean;
}

const sortedIds = (ids: Iterable<string>) => [...new Set(ids)].sort();
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/** Whether the shopper's server-side segment may have this offer (see segmentAllows). */
const allowedFor = (shopper: QuoteInput['shopper'], p: Promotion): boolean =>
  segmentAllows(p.segments, shopper.segment ?? null);

function miss(out: Outcome, key: string, f: MissFacts): void {
  if (!out.missed.has(key)) out.missed.set(key, f);
}

function capIfShort(out: Outcome, p: Promotion, lines: WorkLine[], requested: number, granted: number): void {
  if (granted < requested) {
    out.caps.push({ promotion: p, productIds: lines.map((l) => l.product.productId), requested, granted });
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 1: item prices

interface ItemOffer {
  promotion: Promotion;
  requested: number;
  unit: number;
  units: number;
}

function better(c: ItemOffer, b: ItemOffer | null): boolean {
  return b === null || c.unit < b.unit || (c.unit === b.unit && byPriority(c.promotion, b.promotion) < 0);
}

function itemStage(ctx: Context, on: (p: Promotion) => boolean, group: GroupState | undefined, out: Outcome) {
  const { shopper, minMarginPercent } = ctx.input;
  const offers = ctx.active.filter(
    (p) => (p.kind === 'memberPrice' || p.kind === 'groupBuy' || p.kind === 'flashSale') && on(p),
  );
  for (const { product, quantity } of ctx.cart) {
    const list = product.listPrice;
    const floorUnit = marginFloorUnit(product.cost, list, minMarginPercent);
    let best: ItemOffer | null = null;
    let flash: ItemOffer | null = null;
    const losers: Promotion[] = [];
    for (const p of offers) {
      const id = p.promotionId;
      let requested: number;
      let units = quantity;
      if (p.kind === 'memberPrice') {
        if (!memberPriceCovers(p, product)) continue;
        const tier = p.tiers.find((t) => t.tier === shopper.memberTier);
        if (tier === undefined) {
          miss(out, id, { reason: 'membersOnly', promotion: p });
          continue;
        }
        requested = list - percentOf(list, tier.percentOff);
      } else if (p.kind === 'groupBuy') {
        if (p.productId !== product.productId) continue;
        if (group === undefined || group.promotionId !== id) {
          miss(out, id, {
            reason: 'groupNotJoined',
            promotion: p,
            unitPrice: p.groupPrice,
            size: p.groupSize,
          });
          continue;
        }
        if (group.status !== 'completed') {
          const reason = group.status === 'open' ? 'groupOpen' : 'groupExpired';
          miss(out, id, {
            reason,
            promotion: p,
            unitPrice: p.groupPrice,
            members: group.members,
            size: group.size,
          });
          continue;
        }
        requested = p.groupPrice;
      } else if (p.kind === 'flashSale') {
        if (p.productId !== product.productId) continue;
        if (!ctx.signedIn) {
          miss(out, id, { reason: 'signInRequired', promotion: p });
          continue;
        }
        const stockLeft = p.stockCap - (shopper.flashSold?.[id] ?? 0);
        const userLeft = p.perUserCap - (shopper.flashBought?.[id] ?? 0);
        if (stockLeft <= 0) {
          miss(out, id, { reason: 'soldOut', promotion: p });
          continue;
        }
        if (userLeft <= 0) {
          miss(out, id, { reason: 'perUserLimitReached', promotion: p, count: p.perUserCap });
          continue;
        }
        requested = p.price;
        units = Math.min(quantity, stockLeft, userLeft);
      } else continue;
      if (requested >= list) continue;
      const unit = Math.max(requested, floorUnit);
      if (unit >= list) {
        miss(out, id, { reason: 'marginFloor', promotion: p });
        out.caps.push({
          promotion: p,
          productIds: [product.productId],
          requested: (list - requested) * units,
          granted: 0,
        });
        continue;
      }
      const offer = { promotion: p, requested, unit, units };
      if (p.kind === 'flashSale') {
        if (better(offer, flash)) {
          if (flash !== null) losers.push(flash.promotion);
          flash = offer;
        } else losers.push(p);
      } else if (better(offer, best)) {
        if (best !== null) losers.push(best.promotion);
        best = offer;
      } else losers.push(p);
    }
    const make = (kind: 'item' | 'flash', qty: number, offer: ItemOffer | null): WorkLine => {
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
    };
    if (flash !== null && (best === null || flash.unit < best.unit)) {
      out.lines.push(make('flash', flash.units, flash));
      if (quantity > flash.units) out.lines.push(make('item', quantity - flash.units, best));
    } else {
      if (flash !== null) losers.push(flash.promotion);
      out.lines.push(make('item', quantity, best));
    }
    for (const p of losers) miss(out, p.promotionId, { reason: 'betterOfferApplied', promotion: p });
  }
  // Keep the lines sorted by id: `p-1` before `p-1#flash`, all in productId order.
  out.lines.sort((a, b) => cmp(a.lineId, b.lineId));
}

// ---------------------------------------------------------------------------------------------
// Stage 2: bundles

interface BundleMatch {
  /** Units taken from each line index. */
  take: Map<number, number>;
  sets: number;
}

function matchBundle(ctx: Context, b: Of<'bundle'>, lines: WorkLine[], free: number[]): BundleMatch | null {
  const take = new Map<number, number>();
  if (b.productIds !== undefined) {
    const ids = sortedIds(b.productIds);
    let sets = MAX_BUNDLE_SETS;
    for (const id of ids) {
      let avail = 0;
      lines.forEach((l, i) => {
        if (l.product.productId === id) avail += free[i]!;
      });
      sets = Math.min(sets, avail);
    }
    if (sets === 0) return null;
    for (const id of ids) {
      let need = sets;
      lines.forEach((l, i) => {
        if (need > 0 && l.product.productId === id && free[i]! > 0) {
          const n = Math.min(need, free[i]!);
          take.set(i, (take.get(i) ?? 0) + n);
          need -= n;
        }
      });
    }
    return { take, sets };
  }
  const scene = b.sceneId === undefined ? undefined : ctx.scenes.get(b.sceneId);
  if (scene === undefined || !scene.active) return null;
  const slots = scene.slots.filter((s) => s.required);
  if (slots.length === 0) return null;
  // Fill each slot from the lines that fit the fewest slots first, so a versatile product is kept
  // for the slot that needs it.
  const fitCount = lines.map((l) => slots.filter((s) => fitsSlot(l.product, s)).length);
  const order = lines.map((_, i) => i).sort((a, b2) => fitCount[a]! - fitCount[b2]! || a - b2);
  const left = [...free];
  let sets = 0;
  while (sets < MAX_BUNDLE_SETS) {
    const trial = [...left];
    const got = new Map<number, number>();
    let complete = true;
    for (const slot of slots) {
      let need = slot.quantity;
      for (const i of order) {
        if (need === 0) break;
        if (trial[i]! > 0 && fitsSlot(lines[i]!.product, slot)) {
          const n = Math.min(need, trial[i]!);
          trial[i]! -= n;
          need -= n;
          got.set(i, (got.get(i) ?? 0) + n);
        }
      }
      if (need > 0) {
        complete = false;
        break;
      }
    }
    if (!complete) break;
    for (const [i, n] of got) {
      take.set(i, (take.get(i) ?? 0) + n);
      left[i]! -= n;
    }
    sets++;
  }
  return sets === 0 ? null : { take: new Map([...take].sort((x, y) => x[0] - y[0])), sets };
}

/** How many items the cart lacks for one set of the bundle, and whether it has any of them. */
function bundleGap(ctx: Context, b: Of<'bundle'>): { overlap: boolean; missing: number } {
  if (b.productIds !== undefined) {
    const ids = sortedIds(b.productIds);
    const have = ids.filter((id) => ctx.cart.some((l) => l.product.productId === id)).length;
    return { overlap: have > 0, missing: ids.length - have };
  }
  const scene = b.sceneId === undefined ? undefined : ctx.scenes.get(b.sceneId);
  if (scene === undefined || !scene.active) return { overlap: false, missing: 0 };
  let overlap = false;
  let missing = 0;
  for (const slot of scene.slots.filter((s) => s.required)) {
    let units = 0;
    for (const l of ctx.cart) if (fitsSlot(l.product, slot)) units += l.quantity;
    if (units > 0) overlap = true;
    missing += Math.max(0, slot.quantity - units);
  }
  return { overlap, missing };
}

function closers(lines: WorkLine[]): string[] {
  return sortedIds(lines.flatMap((l) => (l.closedBy === null ? [] : [l.closedBy.promotionId])));
}

function bundleStage(ctx: Context, on: (p: Promotion) => boolean, out: Outcome) {
  const bundles = ctx.active.filter((p): p is Of<'bundle'> => p.kind === 'bundle' && on(p));
  if (bundles.length === 0) return;
  const lines = out.lines;
  const used = lines.map(() => 0);
  const done = new Set<string>();
  for (;;) {
    const free = lines.map((l, i) => (l.closedBy === null ? l.quantity - used[i]! : 0));
    let best: { b: Of<'bundle'>; m: BundleMatch; discount: number } | null = null;
    for (const b of bundles) {
      if (done.has(b.promotionId)) continue;
      const m = matchBundle(ctx, b, lines, free);
      if (m === null) continue;
      let base = 0;
      for (const [i, n] of m.take) base += n * lines[i]!.unitPrice;
      const discount = bundleDiscount(b.discount, base, m.sets);
      if (discount <= 0) continue;
      if (
        best === null ||
        discount > best.discount ||
        (discount === best.discount && byPriority(b, best.b) < 0)
      ) {
        best = { b, m, discount };
      }
    }
    if (best === null) break;
    const { b, m, discount } = best;
    done.add(b.promotionId);
    const idx = [...m.take.keys()];
    const { shares, placed } = allocate(
      discount,
      idx.map((i) => m.take.get(i)! * lines[i]!.unitPrice),
      idx.map((i) => room(lines[i]!)),
    );
    const touched = idx.map((i) => lines[i]!);
    capIfShort(out, b, touched, discount, placed);
    if (placed === 0) {
      miss(out, b.promotionId, { reason: 'marginFloor', promotion: b });
      continue;
    }
    idx.forEach((i, k) => {
      const l = lines[i]!;
      l.discount += shares[k]!;
      l.promotionIds.add(b.promotionId);
      used[i]! += m.take.get(i)!;
      if (!b.stackable) l.closedBy = b;
    });
    out.applied.set(b.promotionId, {
      facts: { promotion: b, amount: placed, sets: m.sets },
      productIds: new Set(touched.map((l) => l.product.productId)),
    });
  }
  for (const b of bundles) {
    if (done.has(b.promotionId)) continue;
    const gap = bundleGap(ctx, b);
    if (!gap.overlap) continue;
    if (gap.missing > 0)
      miss(out, b.promotionId, { reason: 'incompleteBundle', promotion: b, count: gap.missing });
    else miss(out, b.promotionId, { reason: 'notStackable', promotion: b, exclusiveIds: closers(lines) });
  }
}

// ---------------------------------------------------------------------------------------------
// Stages 3 and 4: thresholds and coupons, on the amounts as they stood when the stage began

function orderDiscount(
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

function thresholdStage(ctx: Context, on: (p: Promotion) => boolean, out: Outcome) {
  const thresholds = ctx.active
    .filter((p): p is Of<'threshold'> => p.kind === 'threshold' && on(p))
    .sort(exclusiveFirst);
  const lines = out.lines;
  const snapshot = lines.map(net);
  for (const t of thresholds) {
    const scope = lines.flatMap((l, i) => (thresholdCovers(t, l.product) ? [i] : []));
    if (scope.length === 0) continue;
    const open = scope.filter((i) => lines[i]!.closedBy === null);
    if (open.length === 0) {
      const ids = closers(scope.map((i) => lines[i]!));
      miss(out, t.promotionId, { reason: 'notStackable', promotion: t, exclusiveIds: ids });
      continue;
    }
    let base = 0;
    for (const i of open) base += snapshot[i]!;
    const r = thresholdOff(t.rule, base);
    if (r.next !== null) out.next.push({ promotion: t, ...r.next });
    if (r.off === 0) {
      miss(out, t.promotionId, { reason: 'belowMinSpend', promotion: t, needed: r.needed, have: base });
      continue;
    }
    orderDiscount(out, t, open, snapshot, r.off, { promotion: t, amount: 0, base });
  }
}

function couponStage(ctx: Context, on: (p: Promotion) => boolean, out: Outcome) {
  const { shopper } = ctx.input;
  const usable: Of<'coupon'>[] = [];
  for (const code of ctx.codes) {
    const all = ctx.all
      .filter((p): p is Of<'coupon'> => p.kind === 'coupon' && p.code === code)
      .sort(byPriority);
    if (all.length === 0) {
      miss(out, `code:${code}`, { reason: 'unknownCode', code });
      continue;
    }
    // One code may name several offers (say, one for a segment, one for everyone): the shopper's first.
    const p =
      all.find((c) => isActive(c, ctx.nowMs) && allowedFor(shopper, c)) ??
      all.find((c) => isActive(c, ctx.nowMs));
    if (p === undefined) {
      const first = all[0]!;
      const reason = ctx.nowMs < Date.parse(first.validFrom) ? 'notStarted' : 'expired';
      miss(out, first.promotionId, { reason, promotion: first, code });
      continue;
    }
    if (!on(p)) continue; // switched off in this combination: reported as notStackable
    const id = p.promotionId;
    if (!ctx.signedIn) miss(out, id, { reason: 'signInRequired', promotion: p, code });
    else if (!allowedFor(shopper, p)) miss(out, id, { reason: 'segmentOnly', promotion: p, code });
    else if ((shopper.couponUses?.[id] ?? 0) >= p.perUserLimit)
      miss(out, id, { reason: 'perUserLimitReached', promotion: p, code, count: p.perUserLimit });
    else if ((shopper.couponBudgetUsed?.[id] ?? 0) >= p.totalBudgetUses)
      miss(out, id, { reason: 'budgetExhausted', promotion: p, code });
    else if (!usable.includes(p)) usable.push(p);
  }
  usable.sort(exclusiveFirst);
  const lines = out.lines;
  const snapshot = lines.map(net);
  for (const c of usable) {
    const open = lines.flatMap((l, i) => (l.closedBy === null ? [i] : []));
    if (open.length === 0) {
      miss(out, c.promotionId, {
        reason: 'notStackable',
        promotion: c,
        code: c.code,
        exclusiveIds: closers(lines),
      });
      continue;
    }
    let base = 0;
    for (const i of open) base += snapshot[i]!;
    const off = couponOff(c.discount, base);
    if (base < c.minSpend || off === 0) {
      const needed = Math.max(c.minSpend, base + 1);
      miss(out, c.promotionId, { reason: 'belowMinSpend', promotion: c, code: c.code, needed, have: base });
      continue;
    }
    orderDiscount(out, c, open, snapshot, off, { promotion: c, amount: 0, base });
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 5: gifts

function giftStage(ctx: Context, out: Outcome) {
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

// ---------------------------------------------------------------------------------------------
// Choosing the combination

function evaluate(ctx: Context, on: (p: Promotion) => boolean, group: GroupState | undefined): Outcome {
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

function render(
  ctx: Context,
  o: Outcome,
  off: Promotion[],
  group: GroupQuote | null,
  extraMisses: [string, MissFacts][],
): QuoteBody {
  const { input } = ctx;
  const voice: Voice = { locale: input.locale, currency: input.currency };
  const title = (p: Promotion) => p.title[input.locale];

  const lines: QuoteLine[] = o.lines.map((l) => ({
    lineId: l.lineId,
    productId: l.product.productId,
    title: l.product.title,
    kind: l.kind,
    listPrice: l.product.listPrice,
    unitPrice: l.unitPrice,
    quantity: l.quantity,
    discount: l.discount,
    lineTotal: net(l),
    promotionIds: sortedIds(l.promotionIds),
  }));
  for (const { promotion, product } of [...o.gifts].sort((a, b) =>
    cmp(a.product.productId, b.product.productId),
  )) {
    const existing = lines.find((l) => l.lineId === `${product.productId}#gift`);
    if (existing !== undefined) {
      existing.quantity += promotion.quantity;
      existing.promotionIds = sortedIds([...existing.promotionIds, promotion.promotionId]);
      continue;
    }
    lines.push({
      lineId: `${product.productId}#gift`,
      productId: product.productId,
      title: product.title,
      kind: 'gift',
      listPrice: product.listPrice,
      unitPrice: 0,
      quantity: promotion.quantity,
      discount: 0,
      lineTotal: 0,
      promotionIds: [promotion.promotionId],
    });
  }

  // Item-level promotions: what each saved, from the lines it priced.
  const applied = new Map<string, StageApplied>(o.applied);
  for (const l of o.lines) {
    const p = l.itemPromotion;
    if (p === null) continue;
    const saved = (l.product.listPrice - l.unitPrice) * l.quantity;
    const seen = applied.get(p.promotionId);
    if (seen !== undefined) {
      seen.facts.amount += saved;
      seen.productIds.add(l.product.productId);
      if (seen.facts.promotion.kind === 'flashSale')
        (seen.facts as { quantity: number }).quantity += l.quantity;
      continue;
    }
    let facts: AppliedFacts;
    if (p.kind === 'memberPrice') {
      const tier = input.shopper.memberTier;
      facts = {
        promotion: p,
        amount: saved,
        tier,
        percent: p.tiers.find((t) => t.tier === tier)?.percentOff ?? 0,
      };
    } else if (p.kind === 'groupBuy') {
      facts = { promotion: p, amount: saved, unitPrice: l.unitPrice, listPrice: l.product.listPrice };
    } else if (p.kind === 'flashSale') {
      facts = { promotion: p, amount: saved, unitPrice: l.unitPrice, quantity: l.quantity };
    } else continue;
    applied.set(p.promotionId, { facts, productIds: new Set([l.product.productId]) });
  }
  const appliedList: AppliedPromotion[] = [...applied.values()]
    .sort(
      (a, b) =>
        STAGE_RANK[STAGE[a.facts.promotion.kind]] - STAGE_RANK[STAGE[b.facts.promotion.kind]] ||
        cmp(a.facts.promotion.promotionId, b.facts.promotion.promotionId),
    )
    .map(({ facts, productIds }) => ({
      promotionId: facts.promotion.promotionId,
      kind: facts.promotion.kind,
      stage: STAGE[facts.promotion.kind],
      title: title(facts.promotion),
      amount: facts.amount,
      explanation: explainApplied(facts, voice),
      productIds: sortedIds(productIds),
      ...(facts.promotion.kind === 'coupon' ? { code: facts.promotion.code } : {}),
    }));

  const winners = [...applied.values()].map((a) => a.facts.promotion).filter((p) => !p.stackable);
  const titlesOf = (ids: string[] | undefined) =>
    sortedIds(ids ?? winners.map((p) => p.promotionId)).flatMap((id) => {
      const p = ctx.all.find((x) => x.promotionId === id);
      return p === undefined ? [] : [title(p)];
    });
  const missedFacts = new Map<string, MissFacts>(o.missed);
  for (const [k, f] of extraMisses) missedFacts.set(k, f);
  for (const p of off) {
    missedFacts.set(p.promotionId, {
      reason: 'notStackable',
      promotion: p,
      ...(p.kind === 'coupon' ? { code: p.code } : {}),
    });
  }
  const missed: MissedPromotion[] = [...missedFacts.entries()]
    .filter(([k]) => !applied.has(k))
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([, f]) => {
      const facts = f.reason === 'notStackable' ? { ...f, exclusiveTitles: titlesOf(f.exclusiveIds) } : f;
      return {
        ...(f.promotion === undefined
          ? {}
          : { promotionId: f.promotion.promotionId, kind: f.promotion.kind }),
        ...(f.code === undefined ? {} : { code: f.code }),
        reason: f.reason,
        explanation: explainMissed(facts, voice),
        ...(f.reason === 'belowMinSpend' && f.needed !== undefined && f.have !== undefined
          ? { needed: f.needed, have: f.have, shortfall: f.needed - f.have }
          : {}),
      };
    });

  const next = [...o.next].sort(
    (a, b) => a.add - b.add || b.extraSaving - a.extraSaving || byPriority(a.promotion, b.promotion),
  )[0];
  const nextTier: NextTier | null =
    next === undefined
      ? null
      : {
          promotionId: next.promotion.promotionId,
          add: next.add,
          extraSaving: next.extraSaving,
          explanation: explainNextTier(next.add, next.extraSaving, voice),
        };

  const capsBy = new Map<string, Cap>();
  for (const c of o.caps) {
    const seen = capsBy.get(c.promotion.promotionId);
    if (seen === undefined) capsBy.set(c.promotion.promotionId, { ...c, productIds: [...c.productIds] });
    else {
      seen.requested += c.requested;
      seen.granted += c.granted;
      seen.productIds.push(...c.productIds);
    }
  }
  const marginCaps: MarginCap[] = [...capsBy.values()]
    .sort((a, b) => cmp(a.promotion.promotionId, b.promotion.promotionId))
    .map((c) => ({
      promotionId: c.promotion.promotionId,
      productIds: sortedIds(c.productIds),
      requested: c.requested,
      granted: c.granted,
      capped: c.requested - c.granted,
      explanation: explainCap(c.requested - c.granted, voice),
    }));

  const reservations: Reservation[] = [];
  for (const a of appliedList)
    if (a.kind === 'coupon') reservations.push({ promotionId: a.promotionId, kind: 'coupon', quantity: 1 });
  for (const l of o.lines) {
    if (l.kind === 'flash' && l.itemPromotion !== null) {
      reservations.push({
        promotionId: l.itemPromotion.promotionId,
        kind: 'flashSale',
        quantity: l.quantity,
      });
    }
  }
  reservations.sort((a, b) => cmp(a.promotionId, b.promotionId));

  let subtotal = 0;
  let itemDiscount = 0;
  let orderDiscountTotal = 0;
  for (const l of o.lines) {
    subtotal += l.product.listPrice * l.quantity;
    itemDiscount += (l.product.listPrice - l.unitPrice) * l.quantity;
    orderDiscountTotal += l.discount;
  }
  return {
    currency: input.currency,
    locale: input.locale,
    userId: input.shopper.userId,
    pricedAt: new Date(ctx.nowMs).toISOString(),
    lines,
    applied: appliedList,
    missed,
    nextTier,
    marginCaps,
    group,
    reservations,
    subtotal,
    itemDiscount,
    orderDiscount: orderDiscountTotal,
    total: o.total,
    savings: subtotal - o.total,
    giftValue: o.giftValue,
  };
}
