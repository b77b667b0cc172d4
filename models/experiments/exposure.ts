import type { ExperimentExposed, ServedVariant } from '../../events/experiments.ts';

/**
 * The ExperimentExposed events for the variants that served one answer to a signed-in shopper:
 * what every serving surface (related products, scene guides) publishes once its answer is known
 * to be served, so record-experiments counts the shopper in the variant they saw.
 */
export function exposuresOf(
  served: readonly ServedVariant[],
  userId: string,
  clock: { now: number; newEventId: () => string },
): ExperimentExposed[] {
  const occurredAt = new Date(clock.now).toISOString();
  return served.map((s) => ({
    type: 'ExperimentExposed' as const,
    eventId: clock.newEventId(),
    occurredAt,
    version: 1 as const,
    experimentId: s.experimentId,
    variantId: s.variantId,
    userId,
  }));
}
