import { BehaviourEvent } from '../events/behaviour.ts';
import { aggregateSignals } from './adapters/signals-store.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = { signals: tableName('signals'), processed: tableName('processed') };

export const handler = busBatchConsumer(BehaviourEvent, async (events) => {
  logger.info('signals aggregated', await aggregateSignals(names, events));
});
