import type { OrderPlaced, ProductAddedToCart, ProductViewed } from '../../events/behaviour.ts';
import type { Experiment, ExperimentExposed } from '../../events/experiments.ts';
import {
  type Conversion,
  conversionOf,
  recordConversion,
  recordExposure,
  type ShopperOutcome,
} from './attribution.ts';

/**
 * What record-experiments does with a batch, as a pure fold: which stored shopper states the batch
 * may change (to read them in one go), the states after it, and the change it makes to each
 * variant's counters, so that the results route reads a handful of counter items instead of every
 * shopper. The incremental rules are attribution.ts's (`recordExposure`, `recordConversion`).
 */

/** The events record-experiments takes: exposures and the conversions that may follow them. */
export type AttributionEvent = ExperimentExposed | ProductViewed | ProductAddedToCart | OrderPlaced;

/** One shopper's state in one experiment. ("#" is outside the id alphabet: no two pairs collide.) */
export const stateKey = (experimentId: string, userId: string): string => `${experimentId}#user#${userId}`;
/** One variant's counters. */
export const countsKey = (experimentId: string, variantId: string): string =>
  `${experimentId}#variant#${variantId}`;
export const experimentOfKey = (key: string): string => key.slice(0, key.indexOf('#'));

/** The storefront's `referrer` on a product view that counts as a click for the target's surface. */
function clickReferrer(e: Experiment): string | undefined {
  switch (e.target.kind) {
    case 'recommendationStrategy':
      return e.target.surface;
    case 'sceneFillStrategy':
      return 'scene';
    case 'promotion':
      return undefined;
  }
}

/**
 * The conversion an event is for this experiment, if any: a view counts as a click only when it
 * came from the tested surface (`referrer` "related" for the related surface), and only events of
 * the experiment's goal, or orders (revenue), can change a shopper's standing.
 */
export function conversionFor(e: Experiment, event: AttributionEvent): Conversion | undefined {
  if (event.type === 'ExperimentExposed') return undefined;
  const c = conversionOf(event);
  if (c === undefined) return undefined;
  if (c.kind === 'click') {
    const referrer = clickReferrer(e);
    if (referrer !== undefined && (event.type !== 'ProductViewed' || event.referrer !== referrer))
      return undefined;
  }
  if (c.kind !== e.goal && c.kind !== 'order') return undefined;
  // Nothing before the start or after the last possible window can count.
  if (c.at < Date.parse(e.startAt) || c.at > Date.parse(e.endAt) + e.windowHours * 3_600_000)
    return undefined;
  return c;
}

/** The state keys an event may change: the exposed shopper's, or the converting shopper's in each experiment. */
export function stateKeysOf(experiments: ReadonlyMap<string, Experiment>, event: AttributionEvent): string[] {
  if (event.type === 'ExperimentExposed') {
    return experiments.has(event.experimentId) ? [stateKey(event.experimentId, event.userId)] : [];
  }
  const userId = event.userId;
  if (userId === undefined) return [];
  const keys: string[] = [];
  for (const e of experiments.values()) {
    if (conversionFor(e, event) !== undefined) keys.push(stateKey(e.experimentId, userId));
  }
  return keys;
}

export interface CountsDelta {
  experimentId: string;
  variantId: string;
  exposures: number;
  conversions: number;
  revenue: number;
}

const contribution = (o: ShopperOutcome | undefined) =>
  o === undefined
    ? { exposures: 0, conversions: 0, revenue: 0 }
    : { exposures: 1, conversions: o.converted ? 1 : 0, revenue: o.revenue };

const sameOutcome = (a: ShopperOutcome | undefined, b: ShopperOutcome | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.variantId === b.variantId &&
    a.firstExposedAt === b.firstExposedAt &&
    a.lastExposedAt === b.lastExposedAt &&
    a.otherVariantExposures === b.otherVariantExposures &&
    a.converted === b.converted &&
    a.revenue === b.revenue &&
    a.orderIds.length === b.orderIds.length);

/**
 * Folds a batch into the stored states, in time order (an exposure before a conversion at the same
 * instant, as `attribute` does). Returns the states that changed, each variant's counter change
 * (a shopper's first exposure adds an exposure, their first conversion a conversion, every new
 * attributed order its revenue), and the ids of the events that changed something: only those
 * need a marker. An exposure naming an experiment that is not defined changes nothing.
 */
export function foldBatch(
  experiments: ReadonlyMap<string, Experiment>,
  events: readonly AttributionEvent[],
  stored: ReadonlyMap<string, ShopperOutcome>,
): { states: Map<string, ShopperOutcome>; deltas: CountsDelta[]; effective: string[] } {
  const current = new Map(stored);
  const changed = new Set<string>();
  const effective: string[] = [];
  const sorted = [...events].sort(
    (a, b) =>
      Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
      (a.type === 'ExperimentExposed' ? 0 : 1) - (b.type === 'ExperimentExposed' ? 0 : 1) ||
      (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
  for (const event of sorted) {
    let touched = false;
    if (event.type === 'ExperimentExposed') {
      if (!experiments.has(event.experimentId)) continue;
      const key = stateKey(event.experimentId, event.userId);
      const before = current.get(key);
      const after = recordExposure(before, { ...event, at: Date.parse(event.occurredAt) });
      if (!sameOutcome(before, after)) {
        current.set(key, after);
        changed.add(key);
        touched = true;
      }
    } else if (event.userId !== undefined) {
      for (const e of experiments.values()) {
        const c = conversionFor(e, event);
        if (c === undefined) continue;
        const key = stateKey(e.experimentId, event.userId);
        const before = current.get(key);
        const after = recordConversion(before, c, e);
        if (after !== undefined && !sameOutcome(before, after)) {
          current.set(key, after);
          changed.add(key);
          touched = true;
        }
      }
    }
    if (touched) effective.push(event.eventId);
  }

  const deltas = new Map<string, CountsDelta>();
  const states = new Map<string, ShopperOutcome>();
  for (const key of changed) {
    const after = current.get(key)!;
    states.set(key, after);
    const was = contribution(stored.get(key));
    const now = contribution(after);
    const experimentId = experimentOfKey(key);
    const ck = countsKey(experimentId, after.variantId);
    const d = deltas.get(ck) ?? {
      experimentId,
      variantId: after.variantId,
      exposures: 0,
      conversions: 0,
      revenue: 0,
    };
    d.exposures += now.exposures - was.exposures;
    d.conversions += now.conversions - was.conversions;
    d.revenue += now.revenue - was.revenue;
    deltas.set(ck, d);
  }
  return {
    states,
    deltas: [...deltas.values()].filter((d) => d.exposures !== 0 || d.conversions !== 0 || d.revenue !== 0),
    effective,
  };
}
