import type { OrderLine, OrderPlaced } from '../../events/behaviour.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { priceBandIn } from '../hits/features.ts';
import type { PriceStyleVerdict } from '../scenes/price-style.ts';

/**
 * A shopper's RFM totals, kept up to date one order at a time. Pure: the caller reads the stored
 * profile, applies the user's new orders and writes the result back if the stored `version` is
 * unchanged (retrying on a conflict), as the shopper records are written.
 *
 * Idempotency. An order counts once, keyed on its business key (the order id), not on the event
 * id: a storefront that re-sends an order under a new event id is still one order. The profile
 * keeps the ids (and times) of the user's newest RECENT_ORDERS_MAX orders, so a duplicate is
 * recognised exactly for as long as it is one of those; almost every shopper has fewer orders than
 * that in total, so for them the set is complete. An order older than every remembered one, when
 * the list is full, cannot be told apart from a duplicate; it is skipped (reported as `unverifiable`)
 * rather than risk counting it twice. Replays of old history go through `profilesFromOrders`, which
 * rebuilds profiles from the whole history with a complete set. Chosen over an exactly-once
 * marker per order in the `processed` table: those markers expire after a week (TTL), the list in
 * the item does not, and it costs no extra item in the write.
 */

/** Newest orders remembered per shopper: 100 ids of at most 64 characters stay under 8 KB. */
export const RECENT_ORDERS_MAX = 100;

/** An order as RFM sees it: who, when, which lines. */
export interface OrderFact {
  orderId: string;
  userId: string;
  /** Epoch ms. */
  at: number;
  lines: readonly OrderLine[];
}

/** What the signals need of a product: its list price now and its category. */
export interface PricedProduct {
  listPrice: number;
  category: string;
}

/**
 * The catalog facts an update reads (a port: the consumer builds it from a BatchGet of the order's
 * products and the stored category price lists, e.g. the hit priors' `prices`).
 */
export interface PriceLookup {
  productOf(productId: string): PricedProduct | undefined;
  /** The category's list prices, ascending (as `priceBandIn` expects). */
  categoryPrices(category: string): readonly number[];
}

/** The order fact of an `OrderPlaced` event; undefined for a guest's order (no user to profile). */
export function orderFactOf(e: OrderPlaced): OrderFact | undefined {
  if (e.userId === undefined) return undefined;
  return { orderId: e.orderId, userId: e.userId, at: Date.parse(e.occurredAt), lines: e.lines };
}

export interface ApplyResult {
  /** Write it back only when `applied` is not empty (otherwise it is the stored one, or an empty one). */
  profile: RfmProfile;
  /** Order ids counted by this call. */
  applied: string[];
  /** Already counted (a redelivery, a re-send, or repeated within the batch). */
  duplicates: string[];
  /** Older than every remembered order of a shopper whose list is full: not counted (see above). */
  unverifiable: string[];
}

/** What one order adds; integers only, so totals do not depend on the order orders arrive in. */
interface OrderTotals {
  monetary: number;
  pricedSpend: number;
  discountedSpend: number;
  pricedUnits: number;
  bandMilliSum: number;
}

export function orderTotals(lines: readonly OrderLine[], prices: PriceLookup): OrderTotals {
  const t: OrderTotals = { monetary: 0, pricedSpend: 0, discountedSpend: 0, pricedUnits: 0, bandMilliSum: 0 };
  for (const line of lines) {
    const paid = line.paidPrice * line.quantity;
    t.monetary += paid;
    const product = prices.productOf(line.productId);
    if (product === undefined) continue;
    t.pricedSpend += paid;
    // Discounted: paid less than the list price (any promotion, coupon or member price).
    if (line.paidPrice < product.listPrice) t.discountedSpend += paid;
    t.pricedUnits += line.quantity;
    const band = priceBandIn(prices.categoryPrices(product.category), product.listPrice);
    t.bandMilliSum += Math.round(band * 1000) * line.quantity;
  }
  return t;
}

/** The order in which orders are remembered: newest first, ties by id. */
const newestFirst = (a: { orderId: string; at: number }, b: { orderId: string; at: number }) =>
  b.at - a.at || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);

/** One order's counts and sums folded into a profile (the live path and the rebuild share it). */
function addOrder(p: RfmProfile, o: { lines: OrderFact['lines']; at: number }, prices: PriceLookup): void {
  const t = orderTotals(o.lines, prices);
  p.orders += 1;
  p.monetary += t.monetary;
  p.pricedSpend += t.pricedSpend;
  p.discountedSpend += t.discountedSpend;
  p.pricedUnits += t.pricedUnits;
  p.bandMilliSum += t.bandMilliSum;
  p.firstOrderAt = Math.min(p.firstOrderAt, o.at);
  p.lastOrderAt = Math.max(p.lastOrderAt, o.at);
}

/**
 * Adds a user's orders to their profile (undefined: none yet), each order id once. Orders of
 * other users are ignored. Returns the profile unchanged (same object) when nothing was new.
 */
export function applyOrders(
  profile: RfmProfile | undefined,
  userId: string,
  orders: readonly OrderFact[],
  prices: PriceLookup,
): ApplyResult {
  const known = new Set(profile?.recentOrders.map((o) => o.orderId));
  const full = (profile?.recentOrders.length ?? 0) >= RECENT_ORDERS_MAX;
  const oldest = profile?.recentOrders.at(-1);
  const applied: OrderFact[] = [];
  const duplicates: string[] = [];
  const unverifiable: string[] = [];
  const mine = orders.filter((o) => o.userId === userId).sort(newestFirst);
  for (const o of mine) {
    if (known.has(o.orderId)) {
      duplicates.push(o.orderId);
      continue;
    }
    if (full && oldest !== undefined && newestFirst(o, oldest) > 0) {
      unverifiable.push(o.orderId);
      continue;
    }
    known.add(o.orderId);
    applied.push(o);
  }
  if (applied.length === 0) {
    return { profile: profile ?? emptyProfile(userId), applied: [], duplicates, unverifiable };
  }

  const next: RfmProfile = profile
    ? { ...profile, recentOrders: [...profile.recentOrders] }
    : {
        ...emptyProfile(userId),
        firstOrderAt: Number.POSITIVE_INFINITY,
        lastOrderAt: Number.NEGATIVE_INFINITY,
      };
  for (const o of applied) {
    addOrder(next, o, prices);
    next.recentOrders.push({ orderId: o.orderId, at: o.at });
  }
  next.recentOrders = next.recentOrders.sort(newestFirst).slice(0, RECENT_ORDERS_MAX);
  next.version = (profile?.version ?? 0) + 1;
  return { profile: next, applied: applied.map((o) => o.orderId), duplicates, unverifiable };
}

/** A profile with no order yet: what `applyOrders` starts from. Not a valid stored profile. */
export function emptyProfile(userId: string): RfmProfile {
  return {
    userId,
    firstOrderAt: 0,
    lastOrderAt: 0,
    orders: 0,
    monetary: 0,
    pricedSpend: 0,
    discountedSpend: 0,
    pricedUnits: 0,
    bandMilliSum: 0,
    recentOrders: [],
    version: 0,
  };
}

/**
 * Profiles rebuilt from a complete order history (an event-log replay, the demo data): every order
 * id counted once however often it appears, with no bound on how far back duplicates are caught.
 */
export function profilesFromOrders(
  orders: Iterable<OrderFact>,
  prices: PriceLookup,
): Map<string, RfmProfile> {
  const byUser = new Map<string, Map<string, OrderFact>>();
  for (const o of orders) {
    const mine = byUser.get(o.userId) ?? new Map<string, OrderFact>();
    // The first occurrence of an id wins, as in the incremental path.
    if (!mine.has(o.orderId)) mine.set(o.orderId, o);
    byUser.set(o.userId, mine);
  }
  const out = new Map<string, RfmProfile>();
  for (const [userId, mine] of byUser) {
    const p = emptyProfile(userId);
    p.firstOrderAt = Number.POSITIVE_INFINITY;
    p.lastOrderAt = Number.NEGATIVE_INFINITY;
    const all = [...mine.values()].sort(newestFirst);
    for (const o of all) {
      addOrder(p, o, prices);
    }
    p.recentOrders = all.slice(0, RECENT_ORDERS_MAX).map((o) => ({ orderId: o.orderId, at: o.at }));
    p.version = 1;
    out.set(userId, p);
  }
  return out;
}

/** The price-sensitivity signal scene filling and the profile answer use. */
export interface PriceSignals {
  /** Spend on discounted lines over spend on priced lines, 0-1; null when nothing was priced. */
  discountShare: number | null;
  /** Mean category price band (0 = cheapest in its category, 1 = dearest) per unit bought. */
  averagePriceBand: number | null;
  pricedUnits: number;
}

export function priceSignals(p: RfmProfile): PriceSignals {
  return {
    discountShare: p.pricedSpend > 0 ? p.discountedSpend / p.pricedSpend : null,
    averagePriceBand: p.pricedUnits > 0 ? p.bandMilliSum / p.pricedUnits / 1000 : null,
    pricedUnits: p.pricedUnits,
  };
}

/** Fewer units than this say nothing reliable about how a shopper buys (as `MIN_SEEN` for views). */
export const MIN_PRICED_UNITS = 3;
/** At least this share of spend on discounted lines makes a deal seeker. */
export const DEAL_SEEKER_SHARE = 0.5;
/** Price bands at or below / at or above these lean to value / premium. */
export const VALUE_BAND_MAX = 0.3;
export const PREMIUM_BAND_MIN = 0.7;

/**
 * What the shopper's purchases say about price, in the shape scene filling takes (`priceStyleOf`
 * says the same from products viewed): value when half their spend is on discounted lines or they
 * buy in the cheapest 30% of categories; premium when they buy in the dearest 30% and mostly at
 * full price; balanced otherwise, or with fewer than three priced units.
 */
export function purchasePriceStyle(p: RfmProfile | undefined): PriceStyleVerdict {
  if (p === undefined || p.pricedUnits < MIN_PRICED_UNITS) {
    return { style: 'balanced', reason: 'not enough purchase history' };
  }
  const s = priceSignals(p);
  const share = s.discountShare ?? 0;
  const band = s.averagePriceBand ?? 0.5;
  const discount = `${Math.round(share * 100)}% of spend discounted`;
  const at = `price band ${band.toFixed(2)}`;
  if (share >= DEAL_SEEKER_SHARE) return { style: 'value', reason: `deal seeker: ${discount}` };
  if (band <= VALUE_BAND_MAX)
    return { style: 'value', reason: `buys cheaper than most in their categories (${at})` };
  if (band >= PREMIUM_BAND_MIN) {
    return { style: 'premium', reason: `buys dearer than most in their categories (${at}), ${discount}` };
  }
  return { style: 'balanced', reason: `buys near their categories' median price (${at}), ${discount}` };
}
