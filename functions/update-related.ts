import { BehaviourEvent } from '../events/behaviour.ts';
import { updateRelated } from './adapters/related-updater.ts';
import { relatedConfig, tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = {
  related: tableName('related'),
  processed: tableName('processed'),
  visits: tableName('visits'),
  products: tableName('products'),
  scenes: tableName('scenes'),
};

export const handler = busBatchConsumer(BehaviourEvent, async (events) => {
  const result = await updateRelated(names, events, { config: relatedConfig() });
  logger.info('related evidence updated', result);
});
