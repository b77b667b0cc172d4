import { OrderPlaced } from '../events/behaviour.ts';
import { orderFactOf } from '../models/segments/profile.ts';
import { recomputeCutPoints, updateProfiles } from './adapters/profile-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer, queueOrSchedule } from './lib/queue.ts';

const names = {
  rfmProfiles: tableName('rfmProfiles'),
  products: tableName('products'),
  rankings: tableName('rankings'),
};

/**
 * Orders into the shoppers' RFM profiles, a batch at a time (one read and one conditional write per
 * shopper per batch). Each order id counts once (the profile remembers its newest order ids), so a
 * redelivered batch, or an order re-sent under another event id, changes nothing; a batch that
 * fails is redelivered whole. Guests' orders have no shopper to profile and are skipped.
 */
const onOrders = busBatchConsumer(OrderPlaced, async (orders) => {
  const facts = orders.flatMap((o) => {
    const f = orderFactOf(o);
    return f === undefined ? [] : [f];
  });
  logger.info('profiles updated', {
    ...(await updateProfiles(names, facts)),
    guests: orders.length - facts.length,
  });
});

/** The queue's batches, or the schedule's job: the quintile cut points from a scan of every profile. */
export const handler = queueOrSchedule(onOrders, 'rfm-cut-points', async () => {
  const cuts = await recomputeCutPoints(names.rfmProfiles, nowMs());
  logger.info('RFM cut points computed', { ...cuts });
  return cuts;
});
