import type { FunctionDecl } from './types.ts';

/** The functions: entry, sizing, the tables each may touch and how, whether it publishes, its keys. */
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
    tables: {
      visits: ['BatchGetItem', 'PutItem', 'BatchWriteItem'],
      related: ['BatchGetItem'],
      products: ['BatchGetItem'],
    },
    publishes: true,
    // The events' shopper is the bearer token's (a body userId must be the token's own).
    shopperTokens: true,
  },
  {
    id: 'ingest-commerce',
    entry: 'functions/ingest-commerce.ts',
    description:
      "POST /v1/commerce/events (IAM: the shop's servers): validates orders and reviews, decides each review's verifiedPurchase from the orders seen, and publishes them under the commerce source",
    memoryMb: 512,
    timeoutSeconds: 15,
    sizing:
      'Parses up to 100 orders and reviews, one BatchGetItem for the reviews, and waits on PutEvents retries with backoff; 15 s bounds the retries.',
    // purchases: a review is a verified purchase only if its author's order of the product was seen.
    tables: { purchases: ['BatchGetItem'] },
    publishes: true,
  },
  {
    id: 'catalog-read',
    entry: 'functions/catalog-read.ts',
    description: 'Catalog reads: products by id, by category, all; scenes',
    memoryMb: 512,
    timeoutSeconds: 10,
    sizing: 'One or two DynamoDB round trips; 512 MB for the CPU share JSON work needs at p99.',
    tables: {
      products: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      scenes: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
    },
    publishes: false,
  },
  {
    id: 'catalog-write',
    entry: 'functions/catalog-write.ts',
    description: 'Applies ProductUpserted, SceneUpserted, PromotionUpserted and CustomerUpserted events',
    memoryMb: 256,
    timeoutSeconds: 30,
    sizing: 'One conditional write per event; a batch of 10 is far inside 30 s even with retries.',
    tables: { products: ['PutItem'], scenes: ['PutItem'], promotions: ['PutItem'], customers: ['PutItem'] },
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
    tables: { products: ['GetItem', 'BatchGetItem', 'Query'] },
    publishes: true,
  },
  {
    id: 'aggregate-signals',
    entry: 'functions/aggregate-signals.ts',
    description: 'Adds behaviour events to hourly signal buckets per product, exactly once',
    memoryMb: 512,
    timeoutSeconds: 60,
    sizing: 'A few transactions of up to 100 conditional writes per batch; no model here.',
    tables: {
      signals: ['BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
      processed: ['BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
    },
    // SignalsAggregated: the touched products, for the re-ranking.
    publishes: true,
  },
  {
    id: 'rerank-hits',
    entry: 'functions/rerank-hits.ts',
    description:
      'Scores the products a signal batch touched with the hit model and re-ranks their category and the global list; hourly, everything in shards (the rerank-all steps); after a new model, everything at once',
    memoryMb: 1769,
    timeoutSeconds: 300,
    sizing:
      "Loads TensorFlow.js and the model once per container; 1769 MB is one full vCPU for scoring. A shard step reads its shard's 28 days of buckets: 300 s covers some 50,000 products per shard; a new model starts the same sharded run.",
    tables: {
      products: ['GetItem', 'BatchGetItem', 'Query'],
      signals: ['GetItem', 'BatchGetItem', 'Query'],
      hitscores: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
      rankings: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
      hitmodels: ['GetItem', 'BatchGetItem', 'Query'],
    },
    publishes: true,
  },
  {
    id: 'train-hits',
    entry: 'functions/train-hits.ts',
    description:
      "Retrains the hit model on the lake's daily per-product signals (the hit-daily-signals job) and promotes it if it ranks held-out breakouts at least as well",
    memoryMb: 3008,
    timeoutSeconds: 900,
    sizing:
      'Holds the series of products x days of daily signals (streamed into typed arrays, never as rows), the training rows (a quarter of the negatives) and one validation day of candidates at a time, and trains three TensorFlow.js networks on the CPU, one after the other: at 100k products (4.2M daily rows) 424-433 s and 1.9 GB on a loaded machine (one network: 194 s there, 170 s and 1,926 MB at 5.6M daily rows on a quiet one) under the V8 flags the Lambda runtime starts it with, collecting between phases (npm run bench:retrain). The most memory and the longest timeout Lambda offers by default. Never sees a raw event.',
    tables: {
      products: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      hitmodels: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
    },
    publishes: true,
  },
  {
    id: 'lake-results',
    entry: 'functions/lake-results.ts',
    description:
      "Stores a lake job's results as serving state: the RFM cut points, each product's bundle from the itemset counts, the rebuilt related evidence and neighbour lists",
    memoryMb: 2048,
    timeoutSeconds: 900,
    sizing:
      "Reads the job's result files (JSON lines) and writes DynamoDB in batches. The rebuilt related evidence is the largest: one row per product with up to 200 partners, about 10 KB, so 100k products are 1 GB of text streamed through; past a few million products the writes belong in a Distributed Map over the files. The daily related totals hold the catalog's content index: at 100k products 140 s and under 900 MB (npm run bench:list-inputs), so 2 GB (and the CPU that comes with it) lasts to about 300k products.",
    tables: {
      rfmProfiles: ['PutItem', 'UpdateItem', 'BatchWriteItem'],
      bundles: ['PutItem', 'UpdateItem', 'BatchWriteItem'],
      related: ['PutItem', 'UpdateItem', 'BatchWriteItem'],
      products: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      scenes: ['GetItem', 'BatchGetItem', 'Query'],
    },
    publishes: false,
    relatedSettings: true,
    bundleSettings: true,
  },
  {
    id: 'lake-query',
    entry: 'functions/lake-query.ts',
    description:
      "Builds a lake job's Athena statement for a run (its SQL over the run's window, unloaded as gzipped JSON lines under the run's results prefix): the first step of the job's state machine",
    memoryMb: 256,
    timeoutSeconds: 10,
    sizing: 'Formats a few kilobytes of SQL; no I/O, no grant.',
    tables: {},
    publishes: false,
    relatedSettings: true,
    bundleSettings: true,
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
      bundles: ['GetItem', 'BatchGetItem', 'Query'],
      products: ['GetItem', 'BatchGetItem', 'Query'],
      promotions: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      scenes: ['GetItem', 'BatchGetItem', 'Query'],
      rfmProfiles: ['GetItem', 'BatchGetItem', 'Query'],
      customers: ['GetItem', 'BatchGetItem', 'Query'],
      experiments: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
    },
    publishes: false,
    shopperTokens: true,
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
      customers: ['GetItem', 'BatchGetItem', 'Query'],
      products: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      related: ['GetItem', 'BatchGetItem', 'Query'],
      visits: ['GetItem', 'BatchGetItem', 'Query'],
      scenes: ['GetItem', 'BatchGetItem', 'Query'],
      promotions: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      experiments: ['GetItem', 'BatchGetItem', 'Query', 'Scan'],
      rfmProfiles: ['GetItem', 'BatchGetItem', 'Query'],
    },
    publishes: true,
    // A signed-in shopper is personalised only on the proof of their bearer token.
    shopperTokens: true,
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
    tables: { rankings: ['GetItem', 'BatchGetItem', 'Query'], signals: ['GetItem', 'BatchGetItem', 'Query'] },
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
    tables: {
      products: ['GetItem', 'BatchGetItem'],
      related: ['GetItem', 'BatchGetItem'],
      visits: ['GetItem', 'BatchGetItem'],
      experiments: ['GetItem', 'BatchGetItem', 'Scan'],
      rfmProfiles: ['GetItem', 'BatchGetItem'],
    },
    publishes: true,
    // A signed-in shopper is personalised only on the proof of their bearer token.
    shopperTokens: true,
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
      related: ['BatchGetItem', 'PutItem', 'BatchWriteItem'],
      processed: ['BatchGetItem', 'PutItem', 'BatchWriteItem'],
      visits: ['BatchGetItem'],
      products: ['BatchGetItem'],
      scenes: ['BatchGetItem'],
    },
    publishes: false,
    relatedSettings: true,
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
    tables: {
      experiments: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
      exposures: ['GetItem', 'BatchGetItem'],
      promotions: ['GetItem', 'BatchGetItem'],
    },
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
    tables: {
      experiments: ['GetItem', 'BatchGetItem', 'Scan'],
      exposures: ['GetItem', 'BatchGetItem', 'PutItem'],
      processed: ['GetItem', 'BatchGetItem', 'PutItem'],
    },
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
      products: ['GetItem', 'BatchGetItem'],
      promotions: ['GetItem', 'BatchGetItem', 'Scan'],
      scenes: ['GetItem', 'BatchGetItem'],
      customers: ['GetItem', 'BatchGetItem'],
      // The shopper's RFM profile and the cut points, for segment-limited promotions (and the
      // audiences of promotion experiments).
      rfmProfiles: ['GetItem', 'BatchGetItem'],
      // Promotion experiments: the running set, cached per container; publishes ExperimentExposed
      // when a variant priced a quote.
      experiments: ['GetItem', 'BatchGetItem', 'Scan'],
      quotes: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
      groups: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
      redemptions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
    },
    publishes: true,
    shopperTokens: true,
    // The quote-signing key ring, read at run time so that the key can rotate with an overlap.
    secrets: ['QUOTE_SIGNING_KEYS'],
  },
  {
    id: 'update-profiles',
    entry: 'functions/update-profiles.ts',
    description:
      "Adds the shop's orders to the shoppers' RFM profiles (each order id once), records what they bought (purchases, for verified reviews) and folds durable goods into their visit record's bought list",
    memoryMb: 512,
    timeoutSeconds: 120,
    sizing:
      "A batch: three BatchGetItem round trips and one conditional write per shopper, a BatchWriteItem of the purchases and a read and conditional write of each shopper's visit record; 120 s covers version-conflict retries.",
    // purchases: written here, read by ingest-commerce for a review's verifiedPurchase. visits,
    // related: a signed-in shopper's bought list (durable goods are not recommended again).
    tables: {
      rfmProfiles: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
      products: ['GetItem', 'BatchGetItem', 'Query'],
      rankings: ['GetItem', 'BatchGetItem', 'Query'],
      purchases: ['PutItem', 'BatchWriteItem'],
      visits: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'],
      related: ['GetItem', 'BatchGetItem', 'Query'],
    },
    publishes: false,
  },
  {
    id: 'profile-read',
    entry: 'functions/profile-read.ts',
    description: "GET /v1/users/{userId}/profile (admin): a shopper's RFM scores, segment and price signals",
    memoryMb: 256,
    timeoutSeconds: 5,
    sizing: 'One BatchGetItem (profile, cut points, customer) and a little arithmetic.',
    tables: { rfmProfiles: ['BatchGetItem'], customers: ['BatchGetItem'] },
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
    // The policy item alone (the leading-keys condition): the merchandisers' tool reads and
    // writes the segment rules, never a shopper's profile.
    tables: { rfmProfiles: { actions: ['GetItem', 'PutItem'], leadingKeys: ['#policy'] } },
    publishes: false,
  },
] as const satisfies readonly FunctionDecl[];
