import type { TableDecl } from './types.ts';

/** The tables: keys, indexes, TTL, and each way the service reads or writes them. */
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
      {
        pattern: "One shard of the catalog (the hourly full re-rank's steps)",
        key: 'Scan Segment = <shard>, TotalSegments = <shards> (the key hash range split), projected, paged',
      },
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
    id: 'related',
    description:
      "Per product: the neighbour list the related route reads (part = neighbours), the decayed co-occurrence evidence it is scored from (part = evidence), the compact items the live path builds lists from (part = content: its content neighbours; part = totals: its decayed totals), and each visit's log of views and carts (productId = visit#<session>, part = visit; expires two days after its last write).",
    partitionKey: { name: 'productId', type: 'S' },
    sortKey: { name: 'part', type: 'S' },
    ttlAttribute: 'expiresAt',
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
        pattern: "Build the touched products' lists without the catalog",
        key: 'BatchGetItem productId, part = content (the touched) and part = totals (their partners)',
      },
      {
        pattern: "A visit's views and carts, in the evidence transaction",
        key: 'BatchGetItem, then conditional PutItem productId = visit#<session>, part = visit (version check), expiresAt = two days on',
      },
      {
        pattern:
          'Rebuild every list from the lake (related-evidence job); refresh totals and content daily (related-totals job)',
        key: 'BatchWriteItem productId, part = neighbours|evidence|content|totals',
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
      {
        pattern:
          "Pass the hourly full re-rank's parts between its steps (per shard: priors' sums, prices, best candidates)",
        key: 'BatchWriteItem, then BatchGetItem (consistent) rankingKey = run#priors#<shard>/<shards>[#<category>], run#scored#<shard>/<shards>, run#top#<shard>/<shards>#<category>',
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
  {
    id: 'purchases',
    description:
      "What each signed-in shopper has bought, as the shop's orders said (one item per shopper and product: the first order seen), so that a review is a verified purchase only when its author's order of the product was seen.",
    partitionKey: { name: 'userId', type: 'S' },
    sortKey: { name: 'productId', type: 'S' },
    accessPatterns: [
      {
        pattern: "Record the products of the shop's orders (orders-to-profiles)",
        key: 'BatchWriteItem userId, productId (a repeat is the same item)',
      },
      {
        pattern: "Decide a review's verifiedPurchase (the commerce route)",
        key: 'BatchGetItem userId = <author>, productId = <reviewed product>',
      },
    ],
  },
] as const satisfies readonly TableDecl[];
