import { OrderPlaced } from '../events/behaviour.ts';
import { BUNDLE_DEFAULTS, basketsOf, mineBundles } from '../models/bundles/mine.ts';
import { DAY_MS } from '../models/hits/signals.ts';
import { countOrdersAndClaim, writeBundles } from './adapters/bundle-store.ts';
import { readEventLog } from './adapters/eventlog-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { busBatchConsumer, queueOrSchedule } from './lib/queue.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Mines the last `historyDays` of orders in the event log and stores every product's bundle. */
async function mine(reason: string) {
  const now = nowMs();
  const baskets: string[][] = [];
  for await (const events of readEventLog(tableName('eventlog'), {
    fromDay: day(now - BUNDLE_DEFAULTS.historyDays * DAY_MS),
    toDay: day(now),
  })) {
    baskets.push(...basketsOf(events));
  }
  const t0 = performance.now();
  const mined = mineBundles(baskets);
  await writeBundles(tableName('bundles'), mined, new Date(now).toISOString());
  const report = {
    reason,
    baskets: mined.baskets,
    rules: mined.rules,
    bundles: mined.bundles.size,
    ms: Math.round(performance.now() - t0),
  };
  logger.info('bundles mined', report);
  return report;
}

const onOrders = busBatchConsumer(OrderPlaced, async (orders) => {
  const fresh = new Set(orders.map((o) => o.eventId)).size;
  if (await countOrdersAndClaim(tableName('bundles'), fresh, BUNDLE_DEFAULTS.mineAfterOrders)) {
    await mine(`${BUNDLE_DEFAULTS.mineAfterOrders} new orders`);
  }
});

/** Every 500 new orders (claimed once) from the queue, and daily from the schedule. */
export const handler = queueOrSchedule(onOrders, 'mine-bundles', () => mine('schedule'));
