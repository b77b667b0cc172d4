import * as z from 'zod';
import { OrderPlaced, ProductAddedToCart, ProductViewed } from '../events/behaviour.ts';
import { ExperimentExposed } from '../events/experiments.ts';
import { recordExperimentEvents, scanExperiments } from './adapters/experiment-store.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = {
  experiments: tableName('experiments'),
  exposures: tableName('exposures'),
  processed: tableName('processed'),
};

const AttributionEvent = z.discriminatedUnion('type', [
  ExperimentExposed,
  ProductViewed,
  ProductAddedToCart,
  OrderPlaced,
]);

/**
 * Exposures and the views, carts and orders that may follow them, from one queue, so that a
 * shopper's exposure and their next action usually meet in one batch, in time order. The
 * definitions are scanned once per batch (tens of items), so a new experiment counts at once.
 */
export const handler = busBatchConsumer(AttributionEvent, async (events) => {
  const experiments = await scanExperiments(names.experiments);
  if (experiments.length === 0) return;
  logger.info('experiment events recorded', await recordExperimentEvents(names, experiments, events));
});
