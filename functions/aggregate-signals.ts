import { randomUUID } from 'node:crypto';
import { BehaviourEvent } from '../events/behaviour.ts';
import type { SignalsAggregated } from '../events/hits.ts';
import { touchedProducts } from '../models/hits/signals.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { aggregateSignals } from './adapters/signals-store.ts';
import { nowDate } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = { signals: tableName('signals'), processed: tableName('processed') };
const MAX_IDS_PER_EVENT = 1_000;

export const handler = busBatchConsumer(BehaviourEvent, async (events) => {
  logger.info('signals aggregated', await aggregateSignals(names, events));
  // Every product of the batch, duplicates included: if an earlier delivery stored the counts but
  // died before announcing them, the redelivery is what gets them re-ranked.
  const ids = touchedProducts(events);
  const announcements: SignalsAggregated[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_EVENT) {
    announcements.push({
      type: 'SignalsAggregated',
      eventId: `sig-${randomUUID()}`,
      occurredAt: nowDate().toISOString(),
      version: 1,
      productIds: ids.slice(i, i + MAX_IDS_PER_EVENT),
      events: events.length,
    });
  }
  const { failed } = await publishEvents(announcements);
  if (failed.length > 0) throw new Error(`${failed.length} SignalsAggregated events were not published`);
});
