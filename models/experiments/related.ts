import type { Experiment, ExperimentExposed, ServedVariant } from '../../events/experiments.ts';
import {
  DEFAULT_RELATED_STRATEGY,
  isRelatedStrategy,
  RELATED_STRATEGIES,
  type RelatedStrategy,
} from '../related/strategies.ts';
import {
  type RelatedItem,
  type RelatedQuery,
  type RelatedReader,
  relatedProducts,
} from '../related-answer.ts';
import { leadingAssignment, statusOf } from './assign.ts';
import { exposuresOf } from './exposure.ts';

/** Whether an experiment tests strategies of the related-products surface. */
export const servesRelated = (e: Experiment): boolean =>
  e.target.kind === 'recommendationStrategy' && e.target.surface === 'related';

export interface RelatedPlan {
  strategy: RelatedStrategy;
  /** What the response says served it: at most one experiment on this surface. */
  served: ServedVariant[];
}

/**
 * The strategy that serves a shopper's related request: the leading experiment's variant
 * (`leadingAssignment`: the one that started first, the only one exposed). Guests, shoppers outside
 * the audience and requests outside every experiment's dates get the default, `behavioural`. A
 * variant naming a strategy this code does not know (the admin route refuses one; an older
 * definition could) is served the default and not exposed.
 */
export function planRelated(
  experiments: readonly Experiment[],
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
): RelatedPlan {
  const a = leadingAssignment(experiments, servesRelated, shopper, now);
  const name = a?.variant.strategy;
  if (a === null || name === undefined || !isRelatedStrategy(name)) {
    return { strategy: DEFAULT_RELATED_STRATEGY, served: [] };
  }
  return {
    strategy: RELATED_STRATEGIES[name],
    served: [{ experimentId: a.experimentId, variantId: a.variantId }],
  };
}

/** Whether a shopper's segment could matter: some running related experiment names segments. */
export const needsSegment = (experiments: readonly Experiment[], now: number): boolean =>
  experiments.some((e) => servesRelated(e) && statusOf(e, now) === 'running' && e.audience !== 'all');

export interface RelatedServingPorts {
  reader: RelatedReader;
  /** The experiment definitions (the adapter caches them per container). */
  experiments: () => Promise<readonly Experiment[]>;
  /** The shopper's server-side segment, null without one; absent: audiences of segments match nobody. */
  segmentOf?: (userId: string) => Promise<string | null>;
  /** Records exposures. Must not throw: the answer is served whether or not the record is. */
  exposed: (events: ExperimentExposed[]) => Promise<void>;
}

/**
 * `GET /v1/products/{productId}/related` for a shopper: the experiment plan, the answer with the
 * plan's strategy, and an ExperimentExposed per variant that served it, sent once the anchor is
 * known to exist (a 404 exposes nobody), beside the answer's second round trip. Guests read no
 * experiments at all.
 */
export async function relatedForShopper(
  ports: RelatedServingPorts,
  input: { productId: string; sessionId?: string | undefined; userId?: string | undefined },
  query: RelatedQuery,
  currency: string,
  clock: { now: number; newEventId: () => string },
): Promise<{ productId: string; items: RelatedItem[]; experiments: ServedVariant[] }> {
  const { userId } = input;
  const experiments = userId !== undefined ? await ports.experiments() : [];
  const segment =
    userId !== undefined && ports.segmentOf && needsSegment(experiments, clock.now)
      ? await ports.segmentOf(userId)
      : null;
  const plan = planRelated(experiments, { userId, segment }, clock.now);
  const expose =
    userId !== undefined && plan.served.length > 0
      ? () => ports.exposed(exposuresOf(plan.served, userId, clock))
      : undefined;
  const answer = await relatedProducts(ports.reader, input, query, currency, plan.strategy, expose);
  return { ...answer, experiments: plan.served };
}
