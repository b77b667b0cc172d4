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
import { relatedStrategyFor, type ShopperSegment } from '../segments/policy.ts';
import { leadingAssignment } from './assign.ts';
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

export interface RelatedServingPorts {
  reader: RelatedReader;
  /** The experiment definitions (the adapter caches them per container). */
  experiments: () => Promise<readonly Experiment[]>;
  /**
   * The shopper's server-side segment and the segment policy. Must not throw: the adapter answers
   * no segment and the default policy when the read fails (personalisation, not correctness).
   */
  segmentOf: (userId: string) => Promise<ShopperSegment>;
  /** Records exposures. Must not throw: the answer is served whether or not the record is. */
  exposed: (events: ExperimentExposed[]) => Promise<void>;
}

/**
 * `GET /v1/products/{productId}/related` for a shopper: the plan (experiment variant, else the
 * segment's strategy, else the default), the answer with the plan's strategy, and an
 * ExperimentExposed per variant that served it, sent once the anchor is known to exist (a 404
 * exposes nobody), beside the answer's second round trip. The segment and the experiments are read
 * beside the answer's first round trip, so a signed-in shopper waits for no extra one. Guests read
 * neither.
 */
export async function relatedForShopper(
  ports: RelatedServingPorts,
  input: { productId: string; sessionId?: string | undefined; userId?: string | undefined },
  query: RelatedQuery,
  currency: string,
  clock: { now: number; newEventId: () => string },
): Promise<{ productId: string; items: RelatedItem[]; experiments: ServedVariant[] }> {
  const { userId } = input;
  const planned: Promise<RelatedPlan> =
    userId === undefined
      ? Promise.resolve({ strategy: DEFAULT_RELATED_STRATEGY, served: [] })
      : Promise.all([ports.experiments(), ports.segmentOf(userId)]).then(
          ([experiments, { segment, policy }]) =>
            planRelated(experiments, { userId, segment }, clock.now, relatedStrategyFor(policy, segment)),
        );
  const strategy = planned.then((p) => p.strategy);
  // Awaited by the answer once its first round trip is back (never, after a 404); until then a
  // failure must not count as unhandled.
  planned.catch(() => {});
  strategy.catch(() => {});
  let served: ServedVariant[] = [];
  const expose = async () => {
    served = (await planned).served;
    if (userId !== undefined && served.length > 0) await ports.exposed(exposuresOf(served, userId, clock));
  };
  const answer = await relatedProducts(ports.reader, input, query, currency, strategy, expose);
  return { ...answer, experiments: served };
}
