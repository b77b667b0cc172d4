import type { Experiment, ServedVariant } from '../../events/experiments.ts';
import {
  DEFAULT_RELATED_STRATEGY,
  isRelatedStrategy,
  RELATED_STRATEGIES,
  type RelatedStrategy,
} from '../related/strategies.ts';
import { leadingAssignment } from './assign.ts';

/** Whether an experiment tests strategies of the related-products surface. */
export const servesRelated = (e: Experiment): boolean =>
  e.target.kind === 'recommendationStrategy' && e.target.surface === 'related';

export interface RelatedPlan {
  strategy: RelatedStrategy;
  /** What the response says served it: at most one experiment on this surface. */
  served: ServedVariant[];
}

/**
 * The strategy that serves a shopper's related request. One request has one strategy, so when
 * several experiments on this surface run at once, the one that started first (then the smaller id;
 * `leadingAssignment`) shapes it and is the only one exposed: the others' shoppers would see a strategy that is not
 * their variant's, which must not count for them. Outside every experiment (guests, shoppers
 * outside the audience, requests outside the dates), the segment's strategy from the segment policy
 * serves when it has one, else the default, `behavioural`: a running experiment goes first because
 * its variants are what is being measured. A variant naming a strategy this code does not know (the
 * admin route refuses one; an older definition could) is served the segment's or the default
 * strategy and not exposed.
 */
export function planRelated(
  experiments: readonly Experiment[],
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
  segmentStrategy?: RelatedStrategy,
): RelatedPlan {
  const a = leadingAssignment(experiments, servesRelated, shopper, now);
  const name = a?.variant.strategy;
  if (a === null || name === undefined || !isRelatedStrategy(name)) {
    return { strategy: segmentStrategy ?? DEFAULT_RELATED_STRATEGY, served: [] };
  }
  return {
    strategy: RELATED_STRATEGIES[name],
    served: [{ experimentId: a.experimentId, variantId: a.variantId }],
  };
}
