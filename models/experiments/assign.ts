import { hash } from 'node:crypto';
import type { Experiment, ServedVariant, Variant } from '../../events/experiments.ts';

/**
 * Deterministic, sticky assignment: a shopper's variant is a function of the experiment id and the
 * user id alone, so every request, on every container, puts them in the same variant, with nothing
 * stored. SHA-256 of "<experimentId>/<userId>" ("/" is outside the id alphabet, so no two pairs
 * give the same string): its first 32 bits are uniform, and different experiment ids give
 * unrelated bits for the same user, so assignments are independent across experiments. (FNV-1a
 * from models/hash.ts is faster but spreads near-identical keys such as "u1", "u2" poorly, which
 * would correlate experiments.) node's one-shot `crypto.hash` does 100,000 in 0.2-0.6 s here (2 cores, busy).
 *
 * The bucket u in [0, 2^32) maps to a point floor(u * W / 2^32) in [0, W), W the sum of the
 * weights, and the variant is the one whose cumulative weight range holds it; u * W < 2^52, so the
 * arithmetic is exact. Changing the weights of a running experiment moves shoppers between
 * variants: to ramp up, start a new experiment.
 */

/** The shopper's uniform 32-bit bucket in an experiment. */
export function bucketOf(experimentId: string, userId: string): number {
  // Hex and parseInt: faster than a Buffer per call (no allocation of a pooled buffer slice).
  return Number.parseInt(hash('sha256', `${experimentId}/${userId}`, 'hex').slice(0, 8), 16);
}

/** The variant a shopper gets, ignoring dates and audience (see `assignmentFor`). */
export function variantFor(
  experiment: Pick<Experiment, 'experimentId' | 'variants'>,
  userId: string,
): Variant {
  const total = experiment.variants.reduce((s, v) => s + v.weight, 0);
  const point = Math.floor((bucketOf(experiment.experimentId, userId) * total) / 2 ** 32);
  let upTo = 0;
  for (const v of experiment.variants) {
    upTo += v.weight;
    if (point < upTo) return v;
  }
  return experiment.variants.at(-1)!;
}

export const controlOf = (e: Pick<Experiment, 'control' | 'variants'>): string =>
  e.control ?? e.variants[0]!.variantId;

export type ExperimentStatus = 'scheduled' | 'running' | 'ended';

export function statusOf(e: Pick<Experiment, 'startAt' | 'endAt'>, now: number): ExperimentStatus {
  if (now < Date.parse(e.startAt)) return 'scheduled';
  return now < Date.parse(e.endAt) ? 'running' : 'ended';
}

/** Whether a shopper in `segment` (null: no orders, so no segment) is in the audience. */
export function inAudience(e: Pick<Experiment, 'audience'>, segment: string | null): boolean {
  return e.audience === 'all' || (segment !== null && e.audience.segments.includes(segment));
}

export interface Assignment extends ServedVariant {
  variant: Variant;
}

/**
 * The variant serving this shopper now, or null: the experiment is not running, the shopper is not
 * signed in (assignment needs a stable user id), or not in the audience. The segment comes from the
 * server's profile (`classify`), never from the request.
 */
export function assignmentFor(
  e: Experiment,
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
): Assignment | null {
  if (shopper.userId === undefined || statusOf(e, now) !== 'running' || !inAudience(e, shopper.segment)) {
    return null;
  }
  const variant = variantFor(e, shopper.userId);
  return { experimentId: e.experimentId, variantId: variant.variantId, variant };
}

/**
 * Every running experiment's assignment for a surface, for the response's list of served
 * variants. `targets` picks the experiments that concern the surface, e.g.
 * `(e) => e.target.kind === 'recommendationStrategy' && e.target.surface === 'related'`.
 */
export function assignmentsFor(
  experiments: readonly Experiment[],
  targets: (e: Experiment) => boolean,
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
): Assignment[] {
  const out: Assignment[] = [];
  for (const e of experiments) {
    if (!targets(e)) continue;
    const a = assignmentFor(e, shopper, now);
    if (a !== null) out.push(a);
  }
  return out;
}

/**
 * The assignment of the experiment that leads a surface for this shopper, or null. One answer has
 * one strategy, so when several experiments on a surface run at once, the one that started first
 * (then the smaller id) and assigns the shopper shapes it and is the only one exposed: the others'
 * shoppers would see a strategy that is not their variant's, which must not count for them.
 */
export function leadingAssignment(
  experiments: readonly Experiment[],
  targets: (e: Experiment) => boolean,
  shopper: { userId: string | undefined; segment: string | null },
  now: number,
): Assignment | null {
  const candidates = experiments
    .filter(targets)
    .sort(
      (a, b) => Date.parse(a.startAt) - Date.parse(b.startAt) || (a.experimentId < b.experimentId ? -1 : 1),
    );
  for (const e of candidates) {
    const a = assignmentFor(e, shopper, now);
    if (a !== null) return a;
  }
  return null;
}
