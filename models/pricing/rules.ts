import type { Promotion, Slot } from '../../events/catalog.ts';
import { percentOf } from './money.ts';
import type { PricedProduct } from './types.ts';

/** The promotion-kind rules, each a small pure function of amounts in minor units. */

export type Of<K extends Promotion['kind']> = Extract<Promotion, { kind: K }>;

/** Active in the half-open window [validFrom, validTo). */
export const isActive = (p: Promotion, nowMs: number): boolean =>
  Date.parse(p.validFrom) <= nowMs && nowMs < Date.parse(p.validTo);

/** The deterministic order among competing promotions: higher priority first, then promotionId. */
export function byPriority(a: Promotion, b: Promotion): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.promotionId < b.promotionId ? -1 : a.promotionId > b.promotionId ? 1 : 0;
}

/** Within a stage the exclusive (non-stackable) promotions claim their lines first. */
export const exclusiveFirst = (a: Promotion, b: Promotion): number =>
  a.stackable === b.stackable ? byPriority(a, b) : a.stackable ? 1 : -1;

/** A member price covers the listed products and categories; with neither, every product. */
export function memberPriceCovers(p: Of<'memberPrice'>, product: PricedProduct): boolean {
  if (p.productIds === undefined && p.categories === undefined) return true;
  return (
    (p.productIds?.includes(product.productId) ?? false) ||
    (p.categories?.includes(product.category) ?? false)
  );
}

export const thresholdCovers = (p: Of<'threshold'>, product: PricedProduct): boolean =>
  p.categories === undefined || p.categories.includes(product.category);

/** A scene slot takes a product of one of its categories carrying all of its tags (as in scenes). */
export const fitsSlot = (product: PricedProduct, slot: Slot): boolean =>
  (slot.constraint.categories === undefined || slot.constraint.categories.includes(product.category)) &&
  (slot.constraint.tags === undefined || slot.constraint.tags.every((t) => product.tags.includes(t)));

/** A bundle's discount on `base` (the item prices of the units in `sets` complete sets). */
export function bundleDiscount(d: Of<'bundle'>['discount'], base: number, sets: number): number {
  switch (d.type) {
    case 'percentOff':
      return percentOf(base, d.percent);
    case 'amountOff':
      return Math.min(d.amount * sets, base);
    case 'fixedPrice':
      return Math.max(0, base - d.price * sets);
  }
}

export interface ThresholdResult {
  off: number;
  /** The lowest spend that gives anything. */
  needed: number;
  next: { add: number; extraSaving: number } | null;
}

/** What a spend threshold takes off `base`, and what the next step up would add. */
export function thresholdOff(rule: Of<'threshold'>['rule'], base: number): ThresholdResult {
  if (rule.mode === 'tiers') {
    const tiers = [...rule.tiers].sort((a, b) => a.minSpend - b.minSpend || a.off - b.off);
    let off = 0;
    for (const t of tiers) if (t.minSpend <= base) off = Math.max(off, t.off);
    const up = tiers.find((t) => t.minSpend > base && t.off > off);
    return {
      off: Math.min(off, base),
      needed: tiers[0]!.minSpend,
      next: up === undefined ? null : { add: up.minSpend - base, extraSaving: up.off - off },
    };
  }
  const times = (base - (base % rule.every)) / rule.every;
  const cap = rule.maxOff ?? Number.MAX_SAFE_INTEGER;
  const raw = times * rule.off;
  const off = Number.isSafeInteger(raw) ? Math.min(raw, cap) : cap;
  const nextOff = Math.min((times + 1) * rule.off, cap);
  return {
    off: Math.min(off, base),
    needed: rule.every,
    next: nextOff > off ? { add: (times + 1) * rule.every - base, extraSaving: nextOff - off } : null,
  };
}

/** A coupon's discount on `base`, before the margin floor. */
export function couponOff(d: Of<'coupon'>['discount'], base: number): number {
  if (d.type === 'amountOff') return Math.min(d.amount, base);
  return Math.min(percentOf(base, d.percent), d.maxOff ?? base);
}
