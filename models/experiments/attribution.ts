import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { ConversionGoal, Experiment } from '../../events/experiments.ts';

/**
 * Attribution: which variant each conversion counts for.
 *
 *   - A shopper belongs to the variant of their first exposure to the experiment (sticky
 *     assignment makes every exposure the same variant; if they differ, say after a weight edit,
 *     the first wins and the shopper is counted in `crossovers`).
 *   - A conversion counts when it falls within the experiment's window after one of the shopper's
 *     exposures (at or after the exposure, at most `windowHours` later): after their latest
 *     exposure before it, so a shopper who keeps seeing the variant keeps being measured.
 *     Conversions before the first exposure, or too long after the last, are not the variant's doing.
 *   - For the rate, a shopper converts at most once per experiment (conversions / exposures is a
 *     share of shoppers, as the tests on it assume); revenue is every attributed order's, each
 *     order id once.
 *
 * Two ways in, with one fold: `attribute` over complete arrays (the reference, e.g. from an
 * event-log replay), and `recordExposure` / `recordConversion` on one stored state per experiment
 * and shopper, for a consumer that keeps counts as events arrive. The incremental path assumes a
 * shopper's exposure is recorded before their conversions arrive (it is written when the response
 * that serves the variant is sent); `attribute` sorts, so it needs no such assumption.
 */

export interface Exposure {
  experimentId: string;
  variantId: string;
  userId: string;
  /** Epoch ms. */
  at: number;
}

export interface Conversion {
  userId: string;
  kind: ConversionGoal;
  /** Epoch ms. */
  at: number;
  /** Minor units; orders only (0 for clicks and carts). */
  revenue: number;
  orderId?: string;
}

/** One shopper's standing in one experiment. */
export interface ShopperOutcome {
  variantId: string;
  firstExposedAt: number;
  lastExposedAt: number;
  /** Exposures naming another variant than the first (a sign of a changed definition). */
  otherVariantExposures: number;
  converted: boolean;
  revenue: number;
  /** Orders already counted in `revenue` (an order re-sent is counted once). */
  orderIds: string[];
}

export interface VariantCounts {
  variantId: string;
  /** Shoppers exposed (first exposure). */
  exposures: number;
  /** Of those, shoppers who converted within the window. */
  conversions: number;
  /** Attributed order revenue, minor units. */
  revenue: number;
}

type AttributionRules = Pick<Experiment, 'goal' | 'windowHours'>;

export function recordExposure(state: ShopperOutcome | undefined, e: Exposure): ShopperOutcome {
  if (state === undefined) {
    return {
      variantId: e.variantId,
      firstExposedAt: e.at,
      lastExposedAt: e.at,
      otherVariantExposures: 0,
      converted: false,
      revenue: 0,
      orderIds: [],
    };
  }
  return {
    ...state,
    lastExposedAt: Math.max(state.lastExposedAt, e.at),
    otherVariantExposures: state.otherVariantExposures + (e.variantId === state.variantId ? 0 : 1),
  };
}

/** The state after a conversion: unchanged (same object) when it is not attributable. */
export function recordConversion(
  state: ShopperOutcome | undefined,
  c: Conversion,
  rules: AttributionRules,
): ShopperOutcome | undefined {
  if (state === undefined) return undefined;
  const since = c.at - state.lastExposedAt;
  if (c.at < state.firstExposedAt || since > rules.windowHours * 3_600_000) return state;
  const converts = c.kind === rules.goal && !state.converted;
  const isNewOrder = c.kind === 'order' && (c.orderId === undefined || !state.orderIds.includes(c.orderId));
  if (!converts && !isNewOrder) return state;
  return {
    ...state,
    converted: state.converted || c.kind === rules.goal,
    revenue: state.revenue + (isNewOrder ? c.revenue : 0),
    orderIds: isNewOrder && c.orderId !== undefined ? [...state.orderIds, c.orderId] : state.orderIds,
  };
}

/** Per-variant counts, in the definition's variant order. */
export function countsOf(
  e: Pick<Experiment, 'variants'>,
  outcomes: Iterable<ShopperOutcome>,
): { counts: VariantCounts[]; crossovers: number } {
  const byVariant = new Map(
    e.variants.map((v) => [
      v.variantId,
      { variantId: v.variantId, exposures: 0, conversions: 0, revenue: 0 },
    ]),
  );
  let crossovers = 0;
  for (const o of outcomes) {
    const c = byVariant.get(o.variantId);
    if (c === undefined) continue;
    c.exposures += 1;
    if (o.converted) c.conversions += 1;
    c.revenue += o.revenue;
    if (o.otherVariantExposures > 0) crossovers += 1;
  }
  return { counts: [...byVariant.values()], crossovers };
}

/**
 * Attributes complete lists of exposures (any experiment; only this one's are read) and
 * conversions. Exposures sort before conversions at the same instant: a click in the same
 * millisecond as the response that showed the product counts.
 */
export function attribute(
  e: Pick<Experiment, 'experimentId' | 'variants' | 'goal' | 'windowHours'>,
  exposures: Iterable<Exposure>,
  conversions: Iterable<Conversion>,
): { counts: VariantCounts[]; crossovers: number; outcomes: Map<string, ShopperOutcome> } {
  type Step = { at: number; order: 0 | 1; key: string; exposure?: Exposure; conversion?: Conversion };
  const steps: Step[] = [];
  for (const x of exposures) {
    if (x.experimentId === e.experimentId) steps.push({ at: x.at, order: 0, key: x.variantId, exposure: x });
  }
  for (const c of conversions) steps.push({ at: c.at, order: 1, key: c.orderId ?? '', conversion: c });
  // Ties in time broken by kind, then by variant id or order id, so the result never depends on input order.
  steps.sort((a, b) => a.at - b.at || a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const outcomes = new Map<string, ShopperOutcome>();
  for (const s of steps) {
    if (s.exposure) {
      outcomes.set(s.exposure.userId, recordExposure(outcomes.get(s.exposure.userId), s.exposure));
    } else if (s.conversion) {
      const next = recordConversion(outcomes.get(s.conversion.userId), s.conversion, e);
      if (next !== undefined) outcomes.set(s.conversion.userId, next);
    }
  }
  return { ...countsOf(e, outcomes.values()), outcomes };
}

/**
 * The conversion a behaviour event is, if any: a product view is a click (the storefront sends
 * one when a shopper opens a recommended product; filter on `referrer` first to count only clicks
 * from the tested surface), an add to cart, or an order with its revenue. Guests (no user id)
 * cannot be attributed: assignment is by user.
 */
export function conversionOf(event: BehaviourEvent): Conversion | undefined {
  if (!('userId' in event) || event.userId === undefined) return undefined;
  const at = Date.parse(event.occurredAt);
  switch (event.type) {
    case 'ProductViewed':
      return { userId: event.userId, kind: 'click', at, revenue: 0 };
    case 'ProductAddedToCart':
      return { userId: event.userId, kind: 'addToCart', at, revenue: 0 };
    case 'OrderPlaced':
      return {
        userId: event.userId,
        kind: 'order',
        at,
        revenue: event.lines.reduce((s, l) => s + l.paidPrice * l.quantity, 0),
        orderId: event.orderId,
      };
    default:
      return undefined;
  }
}
