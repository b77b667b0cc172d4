import type { RfmProfile } from '../../events/segments.ts';
import type { SceneFillStrategySpec } from '../../events/strategies.ts';
import { MIN_PRICED_UNITS, purchasePriceStyle } from '../segments/profile.ts';
import type { PriceStyleVerdict } from './price-style.ts';

/**
 * Scene fill strategies an experiment variant or a segment's treatment can name: where the
 * shopper's price style comes from, and how much it and the visit count against the evidence that
 * links a candidate with the fill (normalised so a slot's best evidence is 1). Pure data;
 * `fillScene` applies one, the scene reader picks the price style's source from it.
 */
export interface SceneFillStrategy extends SceneFillStrategySpec {
  /** A built-in's name, or `custom` for weights written inline (a segment's treatment). */
  name: string;
}

export const SCENE_FILL_STRATEGIES = {
  /**
   * The default: what the scene routes served before strategies, except that a signed-in shopper
   * with enough purchase history is styled by what they buy rather than by what they look at.
   */
  'evidence-led': {
    name: 'evidence-led',
    description:
      'Evidence leads; the price style (from purchases when there are enough, else the visit) adds up to 0.2, a product of the visit 0.15',
    priceStyleFrom: 'purchases',
    styleBonus: 0.2,
    recentBonus: 0.15,
  },
  /** Price-sensitive merchandising: the style can overturn a weaker evidence gap. */
  'style-led': {
    name: 'style-led',
    description:
      'The price style (from purchases, else the visit) adds up to 0.5, enough to beat evidence half as strong; a product of the visit 0.15',
    priceStyleFrom: 'purchases',
    styleBonus: 0.5,
    recentBonus: 0.15,
  },
  /** What the shopper looks at now leads: the visit styles the fill and its products pull harder. */
  'visit-led': {
    name: 'visit-led',
    description: 'The price style from this visit only, up to 0.2; a product of the visit adds 0.4',
    priceStyleFrom: 'visit',
    styleBonus: 0.2,
    recentBonus: 0.4,
  },
  /** The baseline of evidence alone, for measuring what personalisation adds. */
  'evidence-only': {
    name: 'evidence-only',
    description: 'Evidence alone: no price style, no bonus for the products of the visit',
    priceStyleFrom: 'none',
    styleBonus: 0,
    recentBonus: 0,
  },
} as const satisfies Record<string, SceneFillStrategy>;

export type SceneFillStrategyName = keyof typeof SCENE_FILL_STRATEGIES;
export const DEFAULT_SCENE_FILL_STRATEGY: SceneFillStrategy = SCENE_FILL_STRATEGIES['evidence-led'];

export const isSceneFillStrategy = (name: string): name is SceneFillStrategyName =>
  Object.hasOwn(SCENE_FILL_STRATEGIES, name);

/**
 * A built-in by name, or weights written inline (already checked by the contract's schema) as a
 * `custom` strategy. Undefined for an unknown name or no reference: the caller decides what serves
 * instead (the planner falls back to the default), so a typo is never silently a built-in.
 */
export function sceneFillStrategyOf(
  ref: string | SceneFillStrategySpec | undefined,
): SceneFillStrategy | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return isSceneFillStrategy(ref) ? SCENE_FILL_STRATEGIES[ref] : undefined;
  return { name: 'custom', ...ref };
}

/** Where a fill's price style came from: the strategy's source, or the visit when purchases say too little. */
export type PriceStyleSource = 'purchases' | 'visit' | 'none';

export interface FillPriceStyle extends PriceStyleVerdict {
  source: PriceStyleSource;
}

/**
 * The price style a fill uses under a strategy. `purchases`: what the signed-in shopper buys
 * (`purchasePriceStyle`) once their profile has MIN_PRICED_UNITS priced units, because what people
 * pay for says more about their budget than what they browse; before that, and for guests, what
 * the visit looked at. `visit`: only the visit. `none`: balanced, which adds no style bonus. The
 * reason starts with its source, so a merchandiser reading the answer knows which signal decided.
 */
export function fillPriceStyle(
  strategy: Pick<SceneFillStrategySpec, 'priceStyleFrom'>,
  profile: RfmProfile | undefined,
  visit: () => PriceStyleVerdict,
): FillPriceStyle {
  if (strategy.priceStyleFrom === 'none') {
    return { style: 'balanced', reason: 'none: this fill strategy uses no price style', source: 'none' };
  }
  if (
    strategy.priceStyleFrom === 'purchases' &&
    profile !== undefined &&
    profile.pricedUnits >= MIN_PRICED_UNITS
  ) {
    const p = purchasePriceStyle(profile);
    return { style: p.style, reason: `purchases: ${p.reason}`, source: 'purchases' };
  }
  const v = visit();
  return { style: v.style, reason: `visit: ${v.reason}`, source: 'visit' };
}
