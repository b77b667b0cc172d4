import { behaviourEventTypes } from '../events/behaviour.ts';
import { catalogEventTypes } from '../events/catalog.ts';
import { Sources } from '../events/envelope.ts';

/**
 * The service, declared once. The CDK stacks (infra/stacks) and the local runtime (infra/local)
 * are both derived from these lists, and test/infra/topology-parity.test.ts proves they agree.
 * Nothing here imports CDK or the AWS SDK, so the local runtime loads it without either.
 */

export type KeyAttribute = { name: string; type: 'S' | 'N' };

export interface TableDecl {
  id: string;
  description: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes?: { name: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
  /** Attribute holding an epoch-seconds expiry, when items expire. */
  ttlAttribute?: string;
  /** Each way the service reads or writes the table, and the key that serves it. */
  accessPatterns: { pattern: string; key: string }[];
}

export type TableAccess = 'read' | 'write' | 'readWrite';

export interface FunctionDecl {
  id: string;
  /** Module under functions/ that exports `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Why this memory/timeout: read by operators sizing the function. */
  sizing: string;
  tables: Partial<Record<TableId, TableAccess>>;
  /** Whether it calls PutEvents on the service's bus. */
  publishes: boolean;
  /**
   * Environment variables that hold keys. The stack generates one Secrets Manager secret per
   * variable (shared by every function that names it) and hands it in through a CloudFormation
   * dynamic reference, so no key is in the template or the repository; the local runtime sets
   * development values.
   */
  secrets?: readonly string[];
}

export interface RouteDecl {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  functionId: FunctionId;
  /** `none`: public storefront route; `iam`: operators and admin tools only. */
  auth: 'none' | 'iam';
  summary: string;
}

export type RuleTarget =
  /** EventBridge invokes the function with one event at a time. */
  | { kind: 'direct'; functionId: FunctionId }
  /** EventBridge -> SQS -> function in batches, with partial batch failures and a DLQ. */
  | {
      kind: 'queue';
      functionId: FunctionId;
      batchSize: number;
      maxBatchingWindowSeconds: number;
      maxReceiveCount: number;
      /** Caps the concurrent batches (SQS event source maximum concurrency, at least 2). */
      maxConcurrency?: number;
    };

export interface RuleDecl {
  id: string;
  description: string;
  pattern: Record<string, unknown>;
  target: RuleTarget;
}

/**
 * A job run on a clock: an EventBridge schedule rule on AWS (the default bus: schedules live there),
 * a timer in the local runtime. The function receives `input` as its event.
 */
export interface ScheduleDecl {
  id: string;
  description: string;
  functionId: FunctionId;
  /** Every this many minutes; a stage may override it (cdk.json context `schedules.<id>`). */
  everyMinutes: number;
  input: Record<string, unknown>;
}

export const tables = [
  {
    id: 'products',
    description: 'The catalog: one item per product.',
    partitionKey: { name: 'productId', type: 'S' },
    indexes: [
      {
        name: 'byCategory',
        partitionKey: { name: 'category', type: 'S' },
        sortKey: { name: 'productId', type: 'S' },
      },
    ],
    accessPatterns: [
      { pattern: 'Get a product by id', key: 'GetItem productId' },
      { pattern: 'Page through one category', key: 'Query byCategory: category = :c, paged by productId' },
      { pattern: 'Page through the whole catalog', key: 'Scan, paged by LastEvaluatedKey' },
      { pattern: 'Upsert a product from ProductUpserted', key: 'PutItem productId, newer occurredAt wins' },
      {
        pattern: "Check that a submitted scene's slot categories each have a product",
        key: 'Query byCategory: category = :c, Limit 1, keys only; one per distinct category, in parallel',
      },
    ],
  },
  {
    id: 'scenes',
    description: 'Scene definitions: role slots and guides.',
    partitionKey: { name: 'sceneId', type: 'S' },
    accessPatterns: [
      { pattern: 'Get a scene by id', key: 'GetItem sceneId' },
      { pattern: 'List all scenes (tens of items)', key: 'Scan' },
      { pattern: 'Upsert from SceneUpserted', key: 'PutItem sceneId, newer occurredAt wins' },
    ],
  },
  {
    id: 'promotions',
    description: 'Promotion definitions.',
    partitionKey: { name: 'promotionId', type: 'S' },
    accessPatterns: [
      { pattern: 'Get a promotion by id', key: 'GetItem promotionId' },
      { pattern: 'Load the active set (tens of items, cached per container)', key: 'Scan' },
      { pattern: 'Upsert from PromotionUpserted', key: 'PutItem promotionId, newer occurredAt wins' },
    ],
  },
  {
    id: 'customers',
    description:
      "The shop's customer records (written only by the shop, CustomerUpserted): member tier and the facts prices depend on.",
    partitionKey: { name: 'userId', type: 'S' },
    accessPatterns: [
      { pattern: "Read a shopper's tier when pricing", key: 'GetItem userId' },
      { pattern: 'Upsert from CustomerUpserted', key: 'PutItem userId, newer occurredAt wins' },
    ],
  },
  {
    id: 'eventlog',
    description:
      'Every behaviour event once, for rebuilding models from history. Spread over day#shard partitions so that a burst on one product or one day does not make a hot partition.',
    partitionKey: { name: 'bucket', type: 'S' },
    sortKey: { name: 'eventKey', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      {
        pattern: 'Append an event exactly once',
        key: 'PutItem bucket = <yyyy-mm-dd>#<shard 0-7 by eventId hash>, eventKey = <occurredAt>#<eventId>, if not exists',
      },
      {
        pattern: 'Replay one day in time order',
        key: 'Query each of the 8 shards of bucket <yyyy-mm-dd>, merge',
      },
    ],
  },
  {
    id: 'related',
    description:
      'Per product: the neighbour list the related route reads (part = neighbours) and the decayed co-occurrence evidence it is scored from (part = evidence).',
    partitionKey: { name: 'productId', type: 'S' },
    sortKey: { name: 'part', type: 'S' },
    accessPatterns: [
      {
        pattern: "Read a product's neighbour list (request path)",
        key: 'BatchGetItem productId, part = neighbours',
      },
      {
        pattern: 'Update the evidence of the products a batch touched, once per product per batch',
        key: 'BatchGetItem then conditional PutItem productId, part = evidence (version check)',
      },
      {
        pattern: 'Rebuild every list from the event history',
        key: 'BatchWriteItem productId, part = neighbours|evidence',
      },
    ],
  },
  {
    id: 'visits',
    description:
      'Short records of a visit (session#<id>, a day) and of a signed-in shopper (user#<id>): recent views and carts with their neighbours folded in, non-consumables bought.',
    partitionKey: { name: 'visitKey', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      { pattern: 'Read a session and a user with the anchor (request path)', key: 'BatchGetItem visitKey' },
      {
        pattern: 'Fold new events into a record without losing concurrent updates',
        key: 'GetItem then PutItem visitKey if version unchanged',
      },
    ],
  },
  {
    id: 'signals',
    description:
      'Hourly signal buckets per product (searches, clicks, views, carts, orders, units, revenue, reviews, rating sum) for the hit features; kept five weeks.',
    partitionKey: { name: 'productId', type: 'S' },
    sortKey: { name: 'hour', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      {
        pattern: 'Add a batch of events, one update per product-hour per batch, exactly once',
        key: "TransactWriteItems: UpdateItem productId, hour ADD counts, with the events' markers in processed",
      },
      {
        pattern: "Read a product's last 28 days for its features",
        key: 'Query productId = :p AND hour >= :from',
      },
      {
        pattern: "Read a product's last days for the dashboard's chart (request path)",
        key: 'Query productId = :p AND hour >= :from (the same key)',
      },
    ],
  },
  {
    id: 'hitscores',
    description:
      "Each product's latest hit score, with the signal figures behind it. Candidates (launched, not yet a top seller) carry candidateCategory, so only they are in the sparse byCategory index.",
    partitionKey: { name: 'productId', type: 'S' },
    indexes: [
      {
        name: 'byCategory',
        partitionKey: { name: 'candidateCategory', type: 'S' },
        sortKey: { name: 'score', type: 'N' },
      },
    ],
    accessPatterns: [
      {
        pattern: 'Store the scores of the products a batch touched (or of all, hourly)',
        key: 'BatchWriteItem productId',
      },
      {
        pattern: "A category's best candidates, to rank its list again after a batch",
        key: 'Query byCategory: candidateCategory = :c, score descending, Limit 50 + touched',
      },
    ],
  },
  {
    id: 'rankings',
    description:
      'The ranked hit lists (list#global, list#<category>: top 50 with score, rank, previous rank and signals, versioned) and the priors they were scored against (priors#*, priors#<category>).',
    partitionKey: { name: 'rankingKey', type: 'S' },
    accessPatterns: [
      { pattern: 'Serve a ranking (request path)', key: 'GetItem rankingKey = list#<scope>' },
      {
        pattern: 'Replace a list without losing a concurrent re-rank',
        key: 'GetItem (consistent) then PutItem rankingKey if revision unchanged',
      },
      {
        pattern: 'Read the priors of the touched categories',
        key: 'BatchGetItem rankingKey = priors#* and priors#<category>',
      },
    ],
  },
  {
    id: 'hitmodels',
    description:
      'Trained hit model artifacts (topology, weights and manifest, a few KB of JSON per version).',
    partitionKey: { name: 'modelId', type: 'S' },
    sortKey: { name: 'version', type: 'S' },
    accessPatterns: [
      { pattern: 'Store a retrained model', key: 'PutItem modelId = hits, version = hits-<yyyymmdd-hhmmss>' },
      {
        pattern: 'Load the newest model (cached per container)',
        key: 'Query modelId = hits, version descending, Limit 1',
      },
    ],
  },
  {
    id: 'bundles',
    description:
      "Each product's frequently-bought-together bundle from the latest mining (items and the rule behind it), and the #mining record: when, from how many orders, and new orders since.",
    partitionKey: { name: 'productId', type: 'S' },
    accessPatterns: [
      { pattern: "Serve a product's bundle (request path)", key: 'BatchGetItem productId and #mining' },
      { pattern: 'Store a mining run', key: 'BatchWriteItem productId, then UpdateItem #mining' },
      {
        pattern: 'Count new orders and claim a run at the threshold, once',
        key: 'UpdateItem #mining ADD ordersSince, then SET ordersSince = ordersSince - :t IF ordersSince >= :t',
      },
    ],
  },
  {
    id: 'experiments',
    description:
      'A/B experiment definitions (tens of items): variants with weights, target, audience, dates, goal, window.',
    partitionKey: { name: 'experimentId', type: 'S' },
    accessPatterns: [
      { pattern: 'Create or replace a definition (admin)', key: 'GetItem then PutItem experimentId' },
      { pattern: 'Read one for its results (admin)', key: 'GetItem experimentId' },
      {
        pattern: 'The running set: cached per request-path container for 60 s; once per consumer batch',
        key: 'Scan',
      },
    ],
  },
  {
    id: 'exposures',
    description:
      "Attribution state: per experiment and shopper (<experimentId>#user#<userId>) the variant of the first exposure, first and latest exposure, converted, revenue and order ids, version; per variant (<experimentId>#variant#<variantId>) the exposure, conversion and revenue counters the results read. Shopper items expire 30 days after the experiment's last window closes; counters stay.",
    partitionKey: { name: 'exposureKey', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      {
        pattern: "Read the states a batch's exposures and conversions may change",
        key: 'BatchGetItem exposureKey = <experimentId>#user#<userId> (one partition per shopper: no hot key)',
      },
      {
        pattern: 'Apply a batch exactly once',
        key: "TransactWriteItems: the events' markers in processed, PutItem each changed state if version unchanged, UpdateItem ADD each variant's counters once per batch",
      },
      {
        pattern: "An experiment's results (admin)",
        key: 'BatchGetItem exposureKey = <experimentId>#variant#<variantId>, one per variant (at most 10 items, whatever the traffic)',
      },
    ],
  },
  {
    id: 'processed',
    description:
      'Which event each consumer has applied (consumer#eventId), for exactly-once counting; expires after a week.',
    partitionKey: { name: 'processKey', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      {
        pattern: 'Mark an event applied in the same transaction as its effect',
        key: 'TransactWriteItems Put processKey = <consumer>#<eventId> if not exists',
      },
    ],
  },
  {
    id: 'quotes',
    description:
      'Signed quotes as issued, kept a day past their expiry so that a late GET still says "expired" rather than 404.',
    partitionKey: { name: 'quoteId', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      { pattern: 'Store an issued quote', key: 'PutItem quoteId (a fresh random id), if not exists' },
      { pattern: 'Read a quote to show or redeem it', key: 'GetItem quoteId' },
    ],
  },
  {
    id: 'groups',
    description:
      'Group-buy groups: promotion, size, members (a string set), memberCount as the version, status; expire a week after they close.',
    partitionKey: { name: 'groupId', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      { pattern: 'Open a group (the opener is its first member)', key: 'PutItem groupId, if not exists' },
      { pattern: "Read a group's state when pricing", key: 'GetItem groupId (BatchGetItem with the cart)' },
      {
        pattern: 'Join once per user; complete at groupSize',
        key: 'GetItem then UpdateItem groupId if memberCount unchanged, status open, not expired and the user not in members',
      },
    ],
  },
  {
    id: 'redemptions',
    description:
      'Exactly-once redemption and the capped counters it consumes. One item per key: idem#<userId>#<Idempotency-Key> (the stored result), quote#<quoteId> (redeemed once), coupon#<promotionId>#user#<userId> (uses), coupon#<promotionId>#budget#<shard>, flash#<promotionId>#stock#<shard> (hot counters split over shards, each owning a slice of the cap), flash#<promotionId>#user#<userId> (units bought).',
    partitionKey: { name: 'redemptionKey', type: 'S' },
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      {
        pattern: 'Redeem a quote once, consuming coupon uses, budget and flash stock atomically',
        key: "TransactWriteItems: Put idem#<userId>#<key> and quote#<quoteId> if not exists; UpdateItem ADD used :n if used + n <= cap (per user) or <= the shard's slice of the cap (budget, stock)",
      },
      {
        pattern: 'Retry with the same Idempotency-Key returns the stored result',
        key: 'GetItem idem#<userId>#<key>',
      },
      {
        pattern: "Read a shopper's uses and the counters when pricing",
        key: 'BatchGetItem coupon#|flash#<promotionId>#user#<userId> and every #budget#|#stock#<shard>',
      },
      {
        pattern: 'Hot counters: a popular coupon or flash sale spreads its writes over shards',
        key: 'shard = hash(quoteId) mod 4, the next shard when one is full; a 409 only once every shard was seen full',
      },
    ],
  },
  {
    id: 'rfmProfiles',
    description:
      "Shoppers' RFM profiles (one item per signed-in shopper who ordered: recency, frequency, monetary, price signals, newest 100 order ids, version) and the shop's quintile cut points (userId = #cuts, not a valid user id).",
    partitionKey: { name: 'userId', type: 'S' },
    accessPatterns: [
      {
        pattern: "Add a batch of orders to their shoppers' profiles, each order id once",
        key: 'BatchGetItem userId, then PutItem userId if version unchanged (or still absent); retried with a consistent GetItem on conflict',
      },
      {
        pattern:
          "Read a shopper's profile and the cut points when pricing or for the admin profile (request path)",
        key: 'BatchGetItem userId = <id> and userId = #cuts (pricing: in its one BatchGetItem with the cart)',
      },
      {
        pattern: 'Recompute the cut points (daily)',
        key: 'Scan projecting userId, lastOrderAt, orders, monetary (skipping #cuts), then PutItem userId = #cuts',
      },
    ],
  },
] as const satisfies readonly TableDecl[];

export type TableId = (typeof tables)[number]['id'];

export const functions = [
  {
    id: 'api-system',
    entry: 'functions/api-system.ts',
    description: 'Health check and the OpenAPI document',
    memoryMb: 256,
    timeoutSeconds: 5,
    sizing: 'No I/O; the smallest size that keeps cold starts short.',
    tables: {},
    publishes: false,
  },
  {
    id: 'ingest-events',
    entry: 'functions/ingest-events.ts',
    description: 'POST /v1/events: validates storefront behaviour events and publishes them to the bus',
    memoryMb: 512,
    timeoutSeconds: 15,
    sizing: 'Parses up to 100 events and waits on PutEvents retries with backoff; 15 s bounds the retries.',
    tables: { visits: 'readWrite', related: 'read', products: 'read' },
    publishes: true,
  },
  {
    id: 'catalog-read',
    entry: 'functions/catalog-read.ts',
    description: 'Catalog reads: products by id, by category, all; scenes',
    memoryMb: 512,
    timeoutSeconds: 10,
    sizing: 'One or two DynamoDB round trips; 512 MB for the CPU share JSON work needs at p99.',
    tables: { products: 'read', scenes: 'read' },
    publishes: false,
  },
  {
    id: 'catalog-write',
    entry: 'functions/catalog-write.ts',
    description: 'Applies ProductUpserted, SceneUpserted, PromotionUpserted and CustomerUpserted events',
    memoryMb: 256,
    timeoutSeconds: 30,
    sizing: 'One conditional write per event; a batch of 10 is far inside 30 s even with retries.',
    tables: { products: 'write', scenes: 'write', promotions: 'write', customers: 'write' },
    publishes: false,
  },
  {
    id: 'catalog-admin',
    entry: 'functions/catalog-admin.ts',
    description:
      'PUT /v1/admin/scenes/{sceneId}: validates a scene definition against the schema and the catalog, then publishes SceneUpserted',
    memoryMb: 256,
    timeoutSeconds: 10,
    sizing:
      'One keys-only Query per distinct slot category, in parallel, and one PutEvents with backoff retries; an operator waits on it, so 10 s bounds the retries.',
    // Reads the catalog only: the scene is stored by catalog-write when the event arrives.
    tables: { products: 'read' },
    publishes: true,
  },
  {
    id: 'record-behaviour',
    entry: 'functions/record-behaviour.ts',
    description: 'Appends each behaviour event once to the event log',
    memoryMb: 256,
    timeoutSeconds: 30,
    sizing: 'Batches of up to 25 conditional writes; the queue visibility timeout is 6x this.',
    tables: { eventlog: 'write' },
    publishes: false,
  },
  {
    id: 'aggregate-signals',
    entry: 'functions/aggregate-signals.ts',
    description: 'Adds behaviour events to hourly signal buckets per product, exactly once',
    memoryMb: 512,
    timeoutSeconds: 60,
    sizing: 'A few transactions of up to 100 conditional writes per batch; no model here.',
    tables: { signals: 'readWrite', processed: 'readWrite' },
    // SignalsAggregated: the touched products, for the re-ranking.
    publishes: true,
  },
  {
    id: 'rerank-hits',
    entry: 'functions/rerank-hits.ts',
    description:
      'Scores the products a signal batch touched with the hit model and re-ranks their category and the global list; hourly and after a new model, everything',
    memoryMb: 1769,
    timeoutSeconds: 300,
    sizing:
      "Loads TensorFlow.js and the model once per container; 1769 MB is one full vCPU for scoring. A full re-rank reads every product's 28 days of buckets: 300 s covers some 50,000 products.",
    tables: {
      products: 'read',
      signals: 'read',
      hitscores: 'readWrite',
      rankings: 'readWrite',
      hitmodels: 'read',
    },
    publishes: true,
  },
  {
    id: 'train-hits',
    entry: 'functions/train-hits.ts',
    description:
      'Retrains the hit model on the last weeks of the event log and promotes it if it ranks held-out breakouts at least as well',
    memoryMb: 3008,
    timeoutSeconds: 900,
    sizing:
      'Holds eight weeks of events and the training rows in memory and trains with TensorFlow.js on the CPU: the most memory and the longest timeout Lambda offers by default. Runs weekly.',
    tables: { eventlog: 'read', products: 'read', hitmodels: 'readWrite' },
    publishes: true,
  },
  {
    id: 'mine-bundles',
    entry: 'functions/mine-bundles.ts',
    description:
      "Mines frequently-bought-together rules from 90 days of orders (FP-growth) and stores each product's best bundle; daily and after every 500 new orders",
    memoryMb: 1024,
    timeoutSeconds: 300,
    sizing:
      'Holds 90 days of order baskets; FP-growth on 5,000 demo orders takes tens of milliseconds, the event log read dominates.',
    tables: { eventlog: 'read', bundles: 'readWrite' },
    publishes: false,
  },
  {
    id: 'bundle-read',
    entry: 'functions/bundle-read.ts',
    description: "GET /v1/products/{productId}/bundle: a product's bought-together bundle with its price",
    memoryMb: 512,
    timeoutSeconds: 5,
    sizing:
      'Two BatchGetItem round trips, a cached promotion and scene set, and one run of the pricing engine.',
    // profiles, customers, experiments: a signed-in shopper's member tier, segment and promotion
    // experiment arms for the bundle's price, read beside the bundle (guests read none of them).
    tables: {
      bundles: 'read',
      products: 'read',
      promotions: 'read',
      scenes: 'read',
      rfmProfiles: 'read',
      customers: 'read',
      experiments: 'read',
    },
    publishes: false,
    secrets: ['AUTH_JWT_SECRET'],
  },
  {
    id: 'scenes-read',
    entry: 'functions/scenes-read.ts',
    description:
      "Scene guides filled for the shopper: GET /v1/products/{productId}/scenes and GET /v1/scenes/{sceneId}, with a price per scene (the signed-in shopper's, or a guest's)",
    memoryMb: 1024,
    timeoutSeconds: 10,
    sizing:
      'Keeps the slot categories (whole categories of the catalog) cached per container and fills a few scenes with their alternatives; 1 GB for the memory and the CPU share.',
    // experiments: the running set, cached per container; publishes ExperimentExposed when a
    // scene fill variant served the answer.
    // profiles, customers: a signed-in shopper's standing (profile, cut points, segment policy:
    // their purchase price signal, segment and the segment's scene fill treatment) and member tier
    // (the scene prices) in one BatchGetItem beside the first round trip.
    tables: {
      customers: 'read',
      products: 'read',
      related: 'read',
      visits: 'read',
      scenes: 'read',
      promotions: 'read',
      experiments: 'read',
      rfmProfiles: 'read',
    },
    publishes: true,
    // A signed-in shopper is personalised only on the proof of their bearer token.
    secrets: ['AUTH_JWT_SECRET'],
  },
  {
    id: 'hits-read',
    entry: 'functions/hits-read.ts',
    description:
      "GET /v1/hits: a stored hit ranking, with the signals behind each item in words; GET /v1/hits/{productId}/signals: a product's daily signal counts",
    memoryMb: 256,
    timeoutSeconds: 5,
    sizing:
      "One GetItem, or one Query of a product's signal buckets, and a little formatting; no model on the read path.",
    tables: { rankings: 'read', signals: 'read' },
    publishes: false,
  },
  {
    id: 'related-read',
    entry: 'functions/related-read.ts',
    description:
      'GET /v1/products/{productId}/related: neighbours blended with the visit, filtered and diversified',
    memoryMb: 512,
    timeoutSeconds: 5,
    sizing:
      'Two BatchGetItem round trips and a few hundred items of ranking work; the storefront waits on it.',
    // experiments: the running set, cached per container; publishes ExperimentExposed when a
    // variant served the answer.
    // profiles: a signed-in shopper's standing (profile, cut points, segment policy) in one
    // BatchGetItem beside the first round trip: the segment picks the experiment audience and the
    // segment's related treatment.
    tables: { products: 'read', related: 'read', visits: 'read', experiments: 'read', rfmProfiles: 'read' },
    publishes: true,
    // A signed-in shopper is personalised only on the proof of their bearer token.
    secrets: ['AUTH_JWT_SECRET'],
  },
  {
    id: 'update-related',
    entry: 'functions/update-related.ts',
    description:
      'Folds views, carts and orders into co-occurrence evidence and rewrites the touched neighbour lists',
    memoryMb: 1024,
    timeoutSeconds: 60,
    sizing: 'Holds the catalog for content similarity and rescoring a few hundred products per batch.',
    tables: {
      related: 'readWrite',
      processed: 'readWrite',
      visits: 'read',
      products: 'read',
      scenes: 'read',
    },
    publishes: false,
  },
  {
    id: 'experiments-admin',
    entry: 'functions/experiments-admin.ts',
    description:
      'PUT /v1/admin/experiments/{experimentId} (create or replace a definition) and GET /v1/experiments/{experimentId}/results',
    memoryMb: 256,
    timeoutSeconds: 10,
    sizing:
      'A GetItem and a PutItem (and a BatchGetItem of the promotion a promotion experiment targets), or a GetItem and one BatchGetItem of at most 10 counters, and the statistics.',
    // promotions: a promotion experiment must name a promotion that exists and can be withheld.
    tables: { experiments: 'readWrite', exposures: 'read', promotions: 'read' },
    publishes: false,
  },
  {
    id: 'record-experiments',
    entry: 'functions/record-experiments.ts',
    description:
      'Records experiment exposures and attributes the views, carts and orders that follow them to the variant, exactly once',
    memoryMb: 512,
    timeoutSeconds: 60,
    sizing:
      'One Scan of the definitions per batch, one BatchGetItem of markers and states per chunk and one transaction of up to 100 items; most events touch no experiment and cost nothing more.',
    tables: { experiments: 'read', exposures: 'readWrite', processed: 'readWrite' },
    publishes: false,
  },
  {
    id: 'pricing',
    entry: 'functions/pricing.ts',
    description: 'Quotes (priced, explained, signed), their redemption, and group-buy groups',
    memoryMb: 1024,
    timeoutSeconds: 10,
    sizing:
      'A cached promotion and experiment set, one BatchGetItem and the exclusive-choice search (up to 256 pricings of a 50-line cart; twice when a promotion experiment withholds an offer from the shopper); 1 GB for the CPU share at p99.',
    tables: {
      products: 'read',
      promotions: 'read',
      scenes: 'read',
      customers: 'read',
      // The shopper's RFM profile and the cut points, for segment-limited promotions (and the
      // audiences of promotion experiments).
      rfmProfiles: 'read',
      // Promotion experiments: the running set, cached per container; publishes ExperimentExposed
      // when a variant priced a quote.
      experiments: 'read',
      quotes: 'readWrite',
      groups: 'readWrite',
      redemptions: 'readWrite',
    },
    publishes: true,
    secrets: ['AUTH_JWT_SECRET', 'QUOTE_SIGNING_KEY'],
  },
  {
    id: 'update-profiles',
    entry: 'functions/update-profiles.ts',
    description:
      "Adds orders to the shoppers' RFM profiles, each order id once; daily, recomputes the quintile cut points from every profile",
    memoryMb: 512,
    timeoutSeconds: 120,
    sizing:
      'A batch: three BatchGetItem round trips and one conditional write per shopper. The daily job holds three numbers per profile (24 MB per million shoppers) and is bounded by the Scan: 120 s covers a few million profiles.',
    tables: { rfmProfiles: 'readWrite', products: 'read', rankings: 'read' },
    publishes: false,
  },
  {
    id: 'profile-read',
    entry: 'functions/profile-read.ts',
    description: "GET /v1/users/{userId}/profile (admin): a shopper's RFM scores, segment and price signals",
    memoryMb: 256,
    timeoutSeconds: 5,
    sizing: 'One BatchGetItem (profile, cut points, customer) and a little arithmetic.',
    tables: { rfmProfiles: 'read', customers: 'read' },
    publishes: false,
  },
  {
    id: 'segments-admin',
    entry: 'functions/segments-admin.ts',
    description:
      "GET and PUT /v1/admin/segments: the segment policy (RFM rule table and each segment's strategies)",
    memoryMb: 256,
    timeoutSeconds: 5,
    sizing: 'One GetItem or one PutItem of a few KB.',
    tables: { rfmProfiles: 'readWrite' },
    publishes: false,
  },
] as const satisfies readonly FunctionDecl[];

export type FunctionId = (typeof functions)[number]['id'];

export const routes = [
  { method: 'GET', path: '/health', functionId: 'api-system', auth: 'none', summary: 'Liveness' },
  {
    method: 'GET',
    path: '/openapi.json',
    functionId: 'api-system',
    auth: 'none',
    summary: 'This API, as OpenAPI 3.1',
  },
  {
    method: 'POST',
    path: '/v1/events',
    functionId: 'ingest-events',
    auth: 'none',
    summary: 'Send a batch of up to 100 behaviour events',
  },
  {
    method: 'GET',
    path: '/v1/products',
    functionId: 'catalog-read',
    auth: 'none',
    summary: 'Page through products',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}',
    functionId: 'catalog-read',
    auth: 'none',
    summary: 'One product',
  },
  { method: 'GET', path: '/v1/scenes', functionId: 'catalog-read', auth: 'none', summary: 'All scenes' },
  {
    method: 'GET',
    path: '/v1/products/{productId}/related',
    functionId: 'related-read',
    auth: 'none',
    summary: 'Related products, adapted to the session or user, with reasons',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}/scenes',
    functionId: 'scenes-read',
    auth: 'none',
    summary: 'The scenes this product fits, each filled for the shopper with reasons and a price, best first',
  },
  {
    method: 'GET',
    path: '/v1/scenes/{sceneId}',
    functionId: 'scenes-read',
    auth: 'none',
    summary:
      'One scene filled for the shopper (around productId when given, else for everyone), with alternatives',
  },
  {
    method: 'GET',
    path: '/v1/products/{productId}/bundle',
    functionId: 'bundle-read',
    auth: 'none',
    summary: 'The products most often bought together with this one, as a priced bundle',
  },
  {
    method: 'GET',
    path: '/v1/hits',
    functionId: 'hits-read',
    auth: 'none',
    summary: 'Potential hit products, global or per category, with rank change and the signals behind them',
  },
  {
    method: 'GET',
    path: '/v1/hits/{productId}/signals',
    functionId: 'hits-read',
    auth: 'none',
    summary: "A product's signal counts per day over its last days (searches, views, carts, orders, reviews)",
  },
  {
    method: 'PUT',
    path: '/v1/admin/experiments/{experimentId}',
    functionId: 'experiments-admin',
    // Merchandisers and admin tools only: the HTTP API's IAM authorizer (SigV4) on AWS.
    auth: 'iam',
    summary:
      'Create (201) or replace (200) an A/B experiment: a 400 names each wrong field; a started one keeps its design (409)',
  },
  {
    method: 'GET',
    path: '/v1/experiments/{experimentId}/results',
    functionId: 'experiments-admin',
    // For merchandisers, not shoppers: IAM like the admin routes.
    auth: 'iam',
    summary:
      "An experiment's results per variant: exposures, conversions, rate with a 95% interval, lift and test against the control, SRM check, verdict",
  },
  {
    method: 'PUT',
    path: '/v1/admin/scenes/{sceneId}',
    functionId: 'catalog-admin',
    // Operators and admin tools only: the HTTP API's IAM authorizer (SigV4) guards it on AWS.
    auth: 'iam',
    summary:
      'Create or replace a scene: a 400 names each wrong field; a valid one is published as SceneUpserted (202)',
  },
  {
    method: 'GET',
    path: '/v1/users/{userId}/profile',
    functionId: 'profile-read',
    // Personal data for operators and admin tools: the HTTP API's IAM authorizer (SigV4) on AWS.
    auth: 'iam',
    summary:
      "A shopper's RFM scores, segment and price signals (admin); 404 for an id the shop has never seen",
  },
  {
    method: 'GET',
    path: '/v1/admin/segments',
    functionId: 'segments-admin',
    auth: 'iam',
    summary: 'The segment policy that serves: the stored one, or the built-in default',
  },
  {
    method: 'PUT',
    path: '/v1/admin/segments',
    functionId: 'segments-admin',
    auth: 'iam',
    summary:
      "Replace the segment policy: the RFM rule table and each segment's related and scene fill strategy (201 created, 200 replaced; a 400 names each wrong field)",
  },
  // The pricing routes are public at the gateway on purpose: a guest may quote, and an HTTP API JWT
  // authorizer refuses requests without a token. The function verifies the bearer token itself
  // (functions/lib/auth.ts), and reads the claims an authorizer passes where one is attached.
  {
    method: 'POST',
    path: '/v1/quotes',
    functionId: 'pricing',
    auth: 'none',
    summary: 'Price a cart for the shopper of the bearer token (or a guest): a signed, explained quote',
  },
  {
    method: 'GET',
    path: '/v1/quotes/{quoteId}',
    functionId: 'pricing',
    auth: 'none',
    summary: 'A stored quote, and whether its signature and expiry still hold',
  },
  {
    method: 'POST',
    path: '/v1/quotes/{quoteId}/redeem',
    functionId: 'pricing',
    auth: 'none',
    summary: 'Redeem a quote once (Idempotency-Key header): consumes coupon uses, budget and flash stock',
  },
  {
    method: 'POST',
    path: '/v1/groups',
    functionId: 'pricing',
    auth: 'none',
    summary: 'Open a group for a group-buy promotion (signed-in shoppers)',
  },
  {
    method: 'POST',
    path: '/v1/groups/{groupId}/members',
    functionId: 'pricing',
    auth: 'none',
    summary: 'Join a group, once per shopper',
  },
] as const satisfies readonly RouteDecl[];

export const rules = [
  {
    id: 'behaviour-to-eventlog',
    description: 'Storefront behaviour events, batched through a queue, into the event log',
    pattern: { source: [Sources.storefront], 'detail-type': [...behaviourEventTypes] },
    target: {
      kind: 'queue',
      functionId: 'record-behaviour',
      batchSize: 25,
      maxBatchingWindowSeconds: 1,
      maxReceiveCount: 5,
    },
  },
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
    description: 'Every storefront behaviour event, batched, into hourly signal buckets for the hit ranking',
    pattern: { source: [Sources.storefront], 'detail-type': [...behaviourEventTypes] },
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
    pattern: {
      source: [Sources.storefront],
      'detail-type': ['ProductViewed', 'ProductAddedToCart', 'OrderPlaced'],
    },
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
    pattern: {
      source: [Sources.experiments, Sources.storefront],
      'detail-type': ['ExperimentExposed', 'ProductViewed', 'ProductAddedToCart', 'OrderPlaced'],
    },
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
    description: 'A retrained hit model scores every product again',
    pattern: { source: [Sources.hits], 'detail-type': ['HitModelTrained'] },
    target: { kind: 'direct', functionId: 'rerank-hits' },
  },
  {
    id: 'orders-to-bundles',
    description: 'Orders count toward the next bundle mining (every 500 new orders)',
    pattern: { source: [Sources.storefront], 'detail-type': ['OrderPlaced'] },
    target: {
      kind: 'queue',
      functionId: 'mine-bundles',
      batchSize: 100,
      maxBatchingWindowSeconds: 30,
      maxReceiveCount: 5,
      maxConcurrency: 2,
    },
  },
  {
    id: 'orders-to-profiles',
    description: "Signed-in shoppers' orders, batched, into their RFM profiles (each order id once)",
    pattern: { source: [Sources.storefront], 'detail-type': ['OrderPlaced'] },
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

export const schedules = [
  {
    id: 'rerank-all-hourly',
    description:
      'Scores every product again and recomputes the priors: time passing moves products no event touched',
    functionId: 'rerank-hits',
    everyMinutes: 60,
    input: { job: 'rerank-all' },
  },
  {
    id: 'retrain-hits',
    description: 'Retrains the hit model on the event log; a promoted model re-ranks everything',
    functionId: 'train-hits',
    // Weekly; cdk.json's stage settings may set another cadence (scheduleMinutes.retrain-hits).
    everyMinutes: 7 * 24 * 60,
    input: { job: 'retrain' },
  },
  {
    id: 'mine-bundles-daily',
    description: 'Mines frequently-bought-together bundles from the last 90 days of orders',
    functionId: 'mine-bundles',
    everyMinutes: 24 * 60,
    input: { job: 'mine-bundles' },
  },
  {
    id: 'rfm-cut-points-daily',
    description:
      "Recomputes the RFM quintile cut points from every shopper's profile (recency is an instant, so scores do not drift between runs)",
    functionId: 'update-profiles',
    everyMinutes: 24 * 60,
    input: { job: 'rfm-cut-points' },
  },
] as const satisfies readonly ScheduleDecl[];

/**
 * What answers a request no route takes (the HTTP API's `$default` route): 404 or 405 in the one
 * error shape, instead of API Gateway's bare `{"message":"Not Found"}`.
 */
export const defaultRoute = { functionId: 'api-system' } as const satisfies { functionId: FunctionId };

export type RouteKey = `${(typeof routes)[number]['method']} ${(typeof routes)[number]['path']}`;

/** The environment variable through which a function learns a table's physical name. */
export const tableEnvVar = (id: TableId): string =>
  `TABLE_${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
export const EVENT_BUS_ENV = 'EVENT_BUS_NAME';

export const routeKey = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;
export const functionById = (id: FunctionId) => functions.find((f) => f.id === id)!;
export const routesOf = (id: FunctionId) => routes.filter((r) => r.functionId === id);
