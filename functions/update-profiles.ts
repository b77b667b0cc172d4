import { OrderPlaced } from '../events/behaviour.ts';
import { orderFactOf } from '../models/segments/profile.ts';
import { updateProfiles } from './adapters/profile-store.ts';
import { recordPurchases } from './adapters/purchases-store.ts';
import { updateShopperRecords } from './adapters/related-store.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = {
  rfmProfiles: tableName('rfmProfiles'),
  products: tableName('products'),
  rankings: tableName('rankings'),
};
const purchases = tableName('purchases');
const shopperTables = {
  visits: tableName('visits'),
  related: tableName('related'),
  products: tableName('products'),
};

/**
 * The shop's orders (the commerce source only: the rule and the consumer both check), a batch at a
 * time, into what the service knows of each signed-in shopper: their RFM profile (one read and one
 * conditional write per shopper per batch), their purchases (what makes a review verified) and the
 * bought list of their visit record (durable goods are not recommended to them again). Each order
 * id counts once in the profile (it remembers its newest order ids), so a redelivered batch, or an
 * order re-sent under another event id, changes nothing; purchases and the visit record are
 * idempotent too. Guests' orders have no shopper to profile and are skipped.
 */
const onOrders = busBatchConsumer(OrderPlaced, async (orders) => {
  const facts = orders.flatMap((o) => {
    const f = orderFactOf(o);
    return f === undefined ? [] : [f];
  });
  const signedIn = orders.flatMap((o) => (o.userId === undefined ? [] : [{ ...o, sessionId: undefined }]));
  const [profiles] = await Promise.all([
    updateProfiles(names, facts),
    recordPurchases(purchases, facts),
    updateShopperRecords(shopperTables, signedIn),
  ]);
  logger.info('profiles updated', { ...profiles, guests: orders.length - facts.length });
});

/**
 * The queue's batches. The shop's cut points are the lake's rfm-cut-points job (daily, from every
 * order: infra/topology/lake.ts), not a scan of this table.
 */
export const handler = onOrders;
