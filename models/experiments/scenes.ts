import type { Experiment, ServedVariant } from '../../events/experiments.ts';
import type { SceneFillStrategySpec } from '../../events/strategies.ts';
import {
  DEFAULT_SCENE_FILL_STRATEGY,
  isSceneFillStrategy,
  SCENE_FILL_STRATEGIES,
  type SceneFillStrategy,
  sceneFillStrategyOf,
} from '../scenes/strategies.ts';
import { leadingAssignment } from './assign.ts';

/** Whether an experiment tests scene fill strategies (both scene routes serve them). */
export const servesSceneFill = (e: Experiment): boolean => e.target.kind === 'sceneFillStrategy';

export interface SceneFillPlan {
  strategy: SceneFillStrategy;
  /** What the response says served it: at most one scene fill experiment. */
  served: ServedVariant[];
}

/**
 * The scene fill strategy for a shopper's request, by precedence:
 * 1. a running scene fill experiment's variant (the leading one: first started, then the smaller
 *    id; see `leadingAssignment`), because its variants are what is being measured and must be
 *    what its shoppers see;
 * 2. the strategy the shopper's segment is treated with (the segment policy's `sceneFill`, a name
 *    or inline weights), passed in by the caller that read the policy;
 * 3. the default, `evidence-led`.
 * Guests, shoppers outside the audience and requests outside the dates are not exposed. A variant
 * naming a strategy this code does not know (the admin route refuses one; an older definition
 * could) is not served and not exposed: the shopper falls through to the segment's or the default.
 */
export function planSceneFill(
  experiments: readonly Experiment[],
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
  segmentStrategy?: string | SceneFillStrategySpec,
): SceneFillPlan {
  const a = leadingAssignment(experiments, servesSceneFill, shopper, now);
  const name = a?.variant.strategy;
  if (a !== null && name !== undefined && isSceneFillStrategy(name)) {
    return {
      strategy: SCENE_FILL_STRATEGIES[name],
      served: [{ experimentId: a.experimentId, variantId: a.variantId }],
    };
  }
  return { strategy: sceneFillStrategyOf(segmentStrategy) ?? DEFAULT_SCENE_FILL_STRATEGY, served: [] };
}
