import type { Promotion, Scene } from '../../../events/catalog.ts';
import { segmentAllows } from '../../segments/rules.ts';
import type { AppliedFacts, MissFacts } from '../explain.ts';
import type { Of } from '../rules.ts';
import type { CartLine, PricedProduct, QuoteInput } from '../types.ts';

/**
 * What the pricing stages (engine.ts runs them in order) share: the cart as the engine read it,
 * the lines as the stages have priced them so far, and what each stage applied, missed and capped.
 */

/** Which promotions are switched on in the combination being priced (see engine.ts `choose`). */
export type Switch = (p: Promotion) => boolean;

export interface Context {
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

export interface WorkLine {
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

export const net = (l: WorkLine) => l.unitPrice * l.quantity - l.discount;

export interface StageApplied {
  facts: AppliedFacts;
  productIds: Set<string>;
}

export interface Cap {
  promotion: Promotion;
  productIds: string[];
  requested: number;
  granted: number;
}

export interface Outcome {
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

export const sortedIds = (ids: Iterable<string>) => [...new Set(ids)].sort();
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether the shopper's server-side segment may have this offer (see segmentAllows). */
export const allowedFor = (shopper: QuoteInput['shopper'], p: Promotion): boolean =>
  segmentAllows(p.segments, shopper.segment ?? null);

export function miss(out: Outcome, key: string, f: MissFacts): void {
  if (!out.missed.has(key)) out.missed.set(key, f);
}

/** The exclusive promotions that closed these lines. */
export function closers(lines: WorkLine[]): string[] {
  return sortedIds(lines.flatMap((l) => (l.closedBy === null ? [] : [l.closedBy.promotionId])));
}
