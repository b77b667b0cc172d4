import { behaviourEventTypes } from '../../events/behaviour.ts';
import { catalogEventTypes } from '../../events/catalog.ts';
import { Sources } from '../../events/envelope.ts';
import { patternOf } from '../../events/registry.ts';
import type { RuleDecl } from './types.ts';

/**
 * The bus rules: which events each function receives, directly or batched through a queue. Each
 * detail-type is taken only from the source the registry names (`patternOf`): orders and reviews
 * only from the shop's servers (`merchandiser.commerce`), never from the storefront's source, so
 * profiles, segments, sales signals and bought-together evidence are built from trusted orders.
 */
export const rules = [
  {
    id: 'catalog-upserts',
    description: 'Catalog, scene, promotion and customer changes into their tables',
    pattern: { source: [Sources.catalog], 'detail-type': [...catalogEventTypes] },
    target: {
      kind: 'queue',
      functionId: 'catalog-write',
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxReceiveCount: 5,
    },
  },
  {
    id: 'behaviour-to-signals',
    description:
      "Every behaviour event (storefront views, carts and searches; the shop's orders and reviews), batched, into hourly signal buckets for the hit ranking",
    pattern: patternOf(behaviourEventTypes),
    target: {
      kind: 'queue',
      functionId: 'aggregate-signals',
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      maxReceiveCount: 5,
      // Each batch writes a hot product's bucket once; two batches in flight bound its write rate.
      maxConcurrency: 2,
    },
  },
  {
    id: 'behaviour-to-related',
    description: 'Views, carts and orders, batched, into co-occurrence evidence and neighbour lists',
    pattern: patternOf(['ProductViewed', 'ProductAddedToCart', 'OrderPlaced']),
    target: {
      kind: 'queue',
      functionId: 'update-related',
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      maxReceiveCount: 5,
      // A hit product is in nearly every batch; two concurrent batches bound the writes to its
      // evidence item (see README, hot partitions) whatever the traffic.
      maxConcurrency: 2,
    },
  },
  {
    id: 'experiments-attribution',
    description:
      'Experiment exposures and the views, carts and orders that may convert them, on one queue so that they usually meet in one batch, in time order',
    pattern: patternOf(['ExperimentExposed', 'ProductViewed', 'ProductAddedToCart', 'OrderPlaced']),
    target: {
      kind: 'queue',
      functionId: 'record-experiments',
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      maxReceiveCount: 5,
      // A variant's counters are written once per batch; two batches in flight bound their write rate.
      maxConcurrency: 2,
    },
  },
  {
    id: 'signals-to-rerank',
    description: 'After each signal batch, re-rank the products it touched',
    pattern: { source: [Sources.hits], 'detail-type': ['SignalsAggregated'] },
    target: {
      kind: 'queue',
      functionId: 'rerank-hits',
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxReceiveCount: 5,
      // Two re-rankers at most: they meet on the same lists' optimistic lock.
      maxConcurrency: 2,
    },
  },
  {
    id: 'model-to-rerank',
    description:
      'A retrained hit model scores every product again: a run of the sharded full re-rank, so that no invocation reads the whole catalog',
    pattern: { source: [Sources.hits], 'detail-type': ['HitModelTrained'] },
    target: { kind: 'sharded-job', jobId: 'rerank-all' },
  },
  {
    id: 'orders-to-profiles',
    description:
      "Signed-in shoppers' orders from the shop, batched, into their RFM profiles (each order id once), their purchases and their visit record's bought list",
    pattern: patternOf(['OrderPlaced']),
    target: {
      kind: 'queue',
      functionId: 'update-profiles',
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      maxReceiveCount: 5,
      // Two concurrent batches rarely share a shopper; when they do, the version check retries.
      maxConcurrency: 2,
    },
  },
] as const satisfies readonly RuleDecl[];
