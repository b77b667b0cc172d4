import { OrderPlaced } from '../events/behaviour.ts';
import { orderFactOf } from '../models/segments/profile.ts';
import { updateProfiles } from './adapters/profile-store.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

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

/**
 * The queue's batches. The shop's cut points are the lake's rfm-cut-points job (daily, from every
 * order: infra/topology/lake.ts), not a scan of this table.
 */
export const handler = onOrders;
