import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  computeMutableDeltas,
  decayInPlace,
  defaultRelatedConfig,
  emptyMutable,
  inTimeOrder,
  type MutableEvidence,
  type ProductEvidence,
  prune,
  type RecentInteraction,
  type RelatedConfig,
  toPlain,
} from './evidence.ts';
import { type Neighbour, type PartnerTotals, scoreNeighbours } from './neighbours.ts';

export interface BuildOptions {
  /**
   * Events per replayed batch. With no product over `maxPairs` the result does not depend on it
   * (up to floating point); with pruning it does slightly, as it does in production, where a pair
   * pruned between two batches starts again from zero.
   */
  batchSize?: number;
}

/**
 * Events per rebuild batch. Each batch decays and prunes every product it touches once, so large
 * batches keep a rebuild fast (1M events in about 10 s here); a product's pairs may exceed
 * maxPairs within a batch, never after it.
 */
export const DEFAULT_REBUILD_BATCH = 100_000;

/**
 * Every product's evidence from a whole history (rebuild, evaluation): the events in time order
 * (then event id), fed in batches through the same arithmetic as `evidenceDeltas` + `applyDelta`,
 * with the sessions' recent interactions kept in memory. Same evidence as the incremental path fed
 * the same batches.
 */
export function buildEvidence(
  events: Iterable<BehaviourEvent>,
  config: RelatedConfig = defaultRelatedConfig,
  options: BuildOptions = {},
): Map<string, ProductEvidence> {
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_BATCH;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError('batchSize must be a positive integer');
  const { events: sorted, times } = inTimeOrder(events);
  const evidence = new Map<string, MutableEvidence>();
  const sessions = new Map<string, { recent: RecentInteraction[]; last: number }>();
  const gapMs = config.sessionGapMinutes * 60_000;
  const none: readonly RecentInteraction[] = [];
  for (let start = 0; start < sorted.length; start += batchSize) {
    const batch = sorted.slice(start, start + batchSize);
    // The batch's increments go straight into each product's evidence, decayed first to the
    // batch's newest event: what applyDelta does with a delta, without building the delta.
    const accumulatorFor = (productId: string, at: number) => {
      let target = evidence.get(productId);
      if (!target) {
        target = emptyMutable(productId, at);
        evidence.set(productId, target);
      } else decayInPlace(target, at, config);
      return target;
    };
    const { deltas: touchedProducts, sessions: touched } = computeMutableDeltas(
      batch,
      (s) => sessions.get(s)?.recent ?? none,
      config,
      accumulatorFor,
    );
    for (const target of touchedProducts.values()) prune(target, config);
    for (const [id, recent] of touched) sessions.set(id, { recent, last: recent[0]?.at ?? 0 });
    // A session idle for longer than the gap can pair nothing more (events come in time order).
    const batchEnd = times[Math.min(sorted.length, start + batchSize) - 1]!;
    for (const [id, s] of sessions) if (batchEnd - s.last > gapMs) sessions.delete(id);
  }
  const out = new Map<string, ProductEvidence>();
  for (const id of [...evidence.keys()].sort()) out.set(id, toPlain(evidence.get(id)!));
  return out;
}

/** Every product's top-K neighbours at `now`, from a complete evidence map (rebuild, evaluation). */
export function neighboursOfAll(
  evidence: ReadonlyMap<string, ProductEvidence>,
  now: number,
  config: RelatedConfig = defaultRelatedConfig,
): Map<string, Neighbour[]> {
  const totalsOf = (id: string): PartnerTotals | undefined => evidence.get(id);
  const out = new Map<string, Neighbour[]>();
  for (const [id, ev] of evidence) out.set(id, scoreNeighbours(ev, totalsOf, now, config));
  return out;
}
