import type { ExperimentExposed } from '../../events/experiments.ts';
import { logger } from '../lib/logger.ts';
import { publishEvents } from './event-publisher.ts';

/**
 * Publishes a served answer's exposures, for every serving function (related-read, scenes-read):
 * after the answer is known to be served, with one retry at most, and never throwing. The
 * storefront waits on the request, and a lost exposure costs one shopper's count (a systematic
 * loss shows as a sample ratio mismatch in the results), while a slow or failed answer costs
 * every shopper.
 */
export async function publishExposures(events: ExperimentExposed[]): Promise<void> {
  try {
    const { failed } = await publishEvents(events, { maxAttempts: 2 });
    if (failed.length > 0) logger.warn('exposures not recorded', { failed });
  } catch (error) {
    logger.warn('exposures not recorded', { error: (error as Error).message });
  }
}
