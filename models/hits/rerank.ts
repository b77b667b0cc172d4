import type { HitRankingUpdated } from '../../events/hits.ts';
import {
  computePriors,
  featureVector,
  type HitSignals,
  hitSignals,
  type Priors,
  type ProductInfo,
  priceBandIn,
  priceSample,
  productWindows,
  type Windows,
} from './features.ts';
import { DEFAULT_LABEL } from './label.ts';
import {
  categoryPool,
  GLOBAL,
  globalPoolSuffices,
  type HitEntry,
  LIST_SIZE,
  type RankedList,
  rankList,
  roundScore,
  TOP,
} from './ranking.ts';
import { DAY_MS, HOUR_MS, type SeriesIndex } from './signals.ts';

/**
 * Event-triggered re-ranking. After a batch of events has been added to the signal buckets, the
 * products it touched are scored again, against the priors the last full re-rank stored, and the
 * lists of their categories and the global list are ranked again and written under an optimistic
 * lock. A full re-rank (hourly, after a new model, and on first start) recomputes the priors and
 * every product's score, so that time passing moves products no event touched.
 */

export interface CategoryPriors {
  category: string;
  cart: number;
  order: number;
  /** List prices of the category's products, ascending: price bands without reading the category. */
  prices: number[];
  /**
   * Units over 28 days that make a product one of the category's top sellers already (the label's
   * top-K, with its minimum): such a product is no longer a candidate.
   */
  incumbentUnits: number;
  computedAt: string;
}

export interface GlobalPriors {
  cart: number;
  order: number;
  ctr: number;
  rating: number;
  categories: string[];
  computedAt: string;
}

export interface ScoreRecord extends HitEntry {
  /** False for a product that is already a top seller or not launched: kept out of every list. */
  candidate: boolean;
  modelVersion: string;
}

export interface HitStore {
  products(ids: readonly string[]): Promise<ProductInfo[]>;
  allProducts(): Promise<ProductInfo[]>;
  /**
   * One shard of the catalog for the full re-rank's steps (models/hits/sharded.ts): on DynamoDB the
   * products table's parallel Scan segment `shard` of `shards` (DynamoDB splits the key's hash range).
   */
  productShard(shard: number, shards: number): Promise<ProductInfo[]>;
  /** What a full re-rank's step leaves for the next (strongly consistent), tagged with its run. */
  writeRunParts(runAt: string, parts: ReadonlyMap<string, unknown>): Promise<void>;
  /** The parts of `keys` that the run at `runAt` wrote (a part of another run is not returned). */
  readRunParts(runAt: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  /** Hourly (and imported daily) buckets of these products from `fromMs` on. */
  signals(productIds: readonly string[], fromMs: number): Promise<SeriesIndex>;
  readPriors(
    categories: readonly string[],
  ): Promise<{ global?: GlobalPriors; categories: Map<string, CategoryPriors> }>;
  writePriors(global: GlobalPriors, categories: readonly CategoryPriors[]): Promise<void>;
  writeScores(records: readonly ScoreRecord[]): Promise<void>;
  /** The best `limit` candidates of a category by stored score. */
  categoryTop(category: string, limit: number): Promise<HitEntry[]>;
  /** Strongly consistent: the writer must see the revision it is about to replace. */
  readLists(scopes: readonly string[]): Promise<Map<string, RankedList>>;
  /** False when the stored revision is no longer `expectedRevision` (someone else wrote). */
  writeList(list: RankedList, expectedRevision: number): Promise<boolean>;
  publish(events: readonly HitRankingUpdated[]): Promise<void>;
}

export interface HitScorer {
  version: string;
  score(vectors: readonly (readonly number[])[]): number[];
}

export interface RerankReport {
  mode: 'touched' | 'full';
  scored: number;
  candidates: number;
  listsWritten: number;
  listsReordered: number;
  events: number;
  conflicts: number;
}

const MAX_LIST_CONFLICTS = 8;
/** The longest feature window, plus the hour the current bucket may straddle. */
const SIGNAL_LOOKBACK_MS = 28 * DAY_MS + HOUR_MS;

function isLaunched(p: ProductInfo, now: number): boolean {
  return Date.parse(`${p.launchDate}T00:00:00Z`) <= now;
}

function rankingEvent(list: RankedList): HitRankingUpdated {
  return {
    type: 'HitRankingUpdated',
    // Deterministic: a redelivered batch that re-publishes the same version is the same event.
    eventId: `hits-${list.scope}-v${list.version}-r${list.revision}`.slice(0, 128),
    occurredAt: list.updatedAt,
    version: 1,
    scope: list.scope,
    rankingVersion: Math.max(1, list.version),
    modelVersion: list.modelVersion,
    top: list.items.slice(0, TOP).map((e) => ({
      productId: e.productId,
      rank: e.rank,
      hitScore: e.score,
      previousRank: e.previousRank,
    })),
  };
}

export function assemblePriors(
  global: GlobalPriors,
  categories: ReadonlyMap<string, CategoryPriors>,
): Priors {
  return {
    cart: global.cart,
    order: global.order,
    ctr: global.ctr,
    rating: global.rating,
    categories: Object.fromEntries([...categories].map(([c, p]) => [c, { cart: p.cart, order: p.order }])),
  };
}

interface Scored {
  records: ScoreRecord[];
  fresh: Map<string, HitEntry>;
  removed: Set<string>;
}

function scoreAll(
  scorer: HitScorer,
  products: readonly ProductInfo[],
  windows: readonly Windows[],
  priors: Priors,
  bandOf: (p: ProductInfo) => number,
  isCandidate: (p: ProductInfo, w: Windows) => boolean,
  now: number,
): Scored {
  const nowIso = new Date(now).toISOString();
  const vectors = products.map((p, i) => featureVector(p, windows[i]!, priors, bandOf(p), now));
  const scores = scorer.score(vectors);
  const records: ScoreRecord[] = products.map((p, i) => {
    const signals: HitSignals = hitSignals(p, windows[i]!, now);
    return {
      productId: p.productId,
      category: p.category,
      score: roundScore(scores[i]!),
      signals,
      scoredAt: nowIso,
      candidate: isLaunched(p, now) && isCandidate(p, windows[i]!),
      modelVersion: scorer.version,
    };
  });
  const fresh = new Map<string, HitEntry>();
  const removed = new Set<string>();
  for (const r of records) {
    if (!r.candidate) {
      removed.add(r.productId);
      continue;
    }
    const { candidate: _c, modelVersion: _m, ...entry } = r;
    fresh.set(r.productId, entry);
  }
  return { records, fresh, removed };
}

/** Ranks one scope again and writes it, re-reading and retrying when another writer got there first. */
export async function rewriteList(
  store: HitStore,
  scope: string,
  previous: RankedList | undefined,
  poolFor: (previous: RankedList | undefined) => Promise<Iterable<HitEntry>>,
  meta: { modelVersion: string; now: string },
  report: RerankReport,
  events: HitRankingUpdated[],
): Promise<RankedList | undefined> {
  let prev = previous;
  for (let attempt = 0; attempt <= MAX_LIST_CONFLICTS; attempt++) {
    const ranked = rankList(scope, prev, await poolFor(prev), meta);
    if (ranked.change === 'none') return prev;
    if (await store.writeList(ranked.list, prev?.revision ?? 0)) {
      report.listsWritten++;
      if (ranked.change === 'order') report.listsReordered++;
      if (ranked.topChanged) events.push(rankingEvent(ranked.list));
      return ranked.list;
    }
    report.conflicts++;
    prev = (await store.readLists([scope])).get(scope);
  }
  throw new Error(`the ${scope} hit list kept changing under this writer`);
}

/** Re-ranks after a batch: the touched products, their categories' lists and the global list. */
export async function rerankTouched(
  store: HitStore,
  scorer: HitScorer,
  productIds: readonly string[],
  now: number,
): Promise<RerankReport> {
  const products = await store.products([...new Set(productIds)]);
  const report = emptyReport('touched');
  if (products.length === 0) return report;
  const categories = [...new Set(products.map((p) => p.category))];
  const stored = await store.readPriors(categories);
  // Without priors nothing was ever ranked here: rank everything once.
  if (stored.global === undefined) return rerankAll(store, scorer, now);

  const series = await store.signals(
    products.map((p) => p.productId),
    now - SIGNAL_LOOKBACK_MS,
  );
  const windows = products.map((p) => productWindows(series.get(p.productId), now));
  const priors = assemblePriors(stored.global, stored.categories);
  const { records, fresh, removed } = scoreAll(
    scorer,
    products,
    windows,
    priors,
    (p) => priceBandIn(stored.categories.get(p.category)?.prices ?? [], p.listPrice),
    (p, w) => w.d28.units < (stored.categories.get(p.category)?.incumbentUnits ?? Number.POSITIVE_INFINITY),
    now,
  );
  await store.writeScores(records);
  report.scored = records.length;
  report.candidates = fresh.size;

  const meta = { modelVersion: scorer.version, now: new Date(now).toISOString() };
  const lists = await store.readLists([...categories, GLOBAL]);
  const events: HitRankingUpdated[] = [];
  const touchedPerCategory = new Map<string, number>();
  for (const p of products) touchedPerCategory.set(p.category, (touchedPerCategory.get(p.category) ?? 0) + 1);
  // A product that moved category leaves its old list too; the old category is in `lists` only
  // if it is among the touched ones, so read the old lists' membership from the global pool below.
  await Promise.all(
    categories.map((category) =>
      rewriteList(
        store,
        category,
        lists.get(category),
        async () =>
          categoryPool(
            category,
            // The index may lag the scores just written; `fresh` overrides, and the extra rows make
            // up for touched products the index still lists above their new place.
            await store.categoryTop(category, LIST_SIZE + (touchedPerCategory.get(category) ?? 0)),
            [...fresh.values()],
            removed,
          ),
        meta,
        report,
        events,
      ),
    ),
  );

  await rewriteList(
    store,
    GLOBAL,
    lists.get(GLOBAL),
    async (previous) => {
      const pool = new Map<string, HitEntry>();
      const add = (e: HitEntry) => {
        if (!removed.has(e.productId)) pool.set(e.productId, fresh.get(e.productId) ?? e);
      };
      if (globalPoolSuffices(previous, fresh, removed)) {
        for (const e of previous!.items) add(e);
      } else {
        const all = await store.readLists(stored.global!.categories.filter((c) => c !== GLOBAL));
        for (const list of all.values()) for (const e of list.items) add(e);
      }
      for (const e of fresh.values()) pool.set(e.productId, e);
      return pool.values();
    },
    meta,
    report,
    events,
  );
  if (events.length > 0) await store.publish(events);
  report.events = events.length;
  return report;
}

/**
 * Each category's priors from its list prices (every product's, ascending) and the 28-day units of
 * its launched products: the price sample the bands read, and the units that make a top seller.
 */
export function categoryPriorsOf(
  byCategory: ReadonlyMap<string, { prices: number[]; units: number[] }>,
  priors: Priors,
  computedAt: string,
): CategoryPriors[] {
  const { topK, minUnits } = DEFAULT_LABEL;
  return [...byCategory].map(([category, c]) => {
    const units = [...c.units].sort((a, b) => b - a);
    const kth = units[topK - 1] ?? 0;
    const cat = priors.categories[category] ?? { cart: priors.cart, order: priors.order };
    return {
      category,
      cart: cat.cart,
      order: cat.order,
      prices: priceSample([...c.prices].sort((a, b) => a - b)),
      incumbentUnits: Math.max(minUnits, kth),
      computedAt,
    };
  });
}

export function globalPriorsOf(
  priors: Priors,
  categories: Iterable<string>,
  computedAt: string,
): GlobalPriors {
  return {
    cart: priors.cart,
    order: priors.order,
    ctr: priors.ctr,
    rating: priors.rating,
    categories: [...categories].sort(),
    computedAt,
  };
}

/** Scores `products` (launched) against the priors and the categories' stored bands and thresholds. */
export function scoreAgainst(
  scorer: HitScorer,
  products: readonly ProductInfo[],
  windows: readonly Windows[],
  priors: Priors,
  priorsOf: ReadonlyMap<string, CategoryPriors>,
  now: number,
) {
  return scoreAll(
    scorer,
    products,
    windows,
    priors,
    (p) => priceBandIn(priorsOf.get(p.category)!.prices, p.listPrice),
    (p, w) => w.d28.units < priorsOf.get(p.category)!.incumbentUnits,
    now,
  );
}

/** Every category's list and the global one ranked again from every candidate `candidates` holds. */
export async function rewriteEveryList(
  store: HitStore,
  global: GlobalPriors,
  candidates: Iterable<HitEntry>,
  report: RerankReport,
  { modelVersion, computedAt }: { modelVersion: string; computedAt: string },
): Promise<void> {
  const meta = { modelVersion, now: computedAt };
  const lists = await store.readLists([...global.categories, GLOBAL]);
  const events: HitRankingUpdated[] = [];
  const candidatesOf = new Map<string, HitEntry[]>();
  const all: HitEntry[] = [];
  for (const e of candidates) {
    const list = candidatesOf.get(e.category) ?? [];
    list.push(e);
    candidatesOf.set(e.category, list);
    all.push(e);
  }
  for (const category of global.categories) {
    await rewriteList(
      store,
      category,
      lists.get(category),
      async () => candidatesOf.get(category) ?? [],
      meta,
      report,
      events,
    );
  }
  await rewriteList(store, GLOBAL, lists.get(GLOBAL), async () => all, meta, report, events);
  if (events.length > 0) await store.publish(events);
  report.events = events.length;
}

/** The launched products' windows, read from the signals once. */
export async function windowsOf(
  store: HitStore,
  launched: readonly ProductInfo[],
  now: number,
): Promise<Windows[]> {
  const series = await store.signals(
    launched.map((p) => p.productId),
    now - SIGNAL_LOOKBACK_MS,
  );
  return launched.map((p) => productWindows(series.get(p.productId), now));
}

export const isLaunchedAt = (now: number) => (p: ProductInfo) => isLaunched(p, now);

/**
 * Each category's list prices (every product, launched or not: the price bands read them all) and
 * its launched products' 28-day units (`windows` in `launched`'s order).
 */
export function pricesAndUnitsByCategory(
  all: readonly ProductInfo[],
  launched: readonly ProductInfo[],
  windows: readonly Windows[],
): Map<string, { prices: number[]; units: number[] }> {
  const byCategory = new Map<string, { prices: number[]; units: number[] }>();
  for (const p of all) {
    const c = byCategory.get(p.category) ?? { prices: [], units: [] };
    c.prices.push(p.listPrice);
    byCategory.set(p.category, c);
  }
  launched.forEach((p, i) => {
    byCategory.get(p.category)!.units.push(windows[i]!.d28.units);
  });
  return byCategory;
}

/**
 * Scores every launched product, recomputes the priors (category rates, price bands, top-seller
 * thresholds) and writes every list, in one invocation: only on first start (rerankTouched with no
 * priors). The hourly full re-rank, and the one a new model starts, do the same in shards
 * (models/hits/sharded.ts), to the same result.
 */
export async function rerankAll(store: HitStore, scorer: HitScorer, now: number): Promise<RerankReport> {
  const all = await store.allProducts();
  const launched = all.filter(isLaunchedAt(now));
  const windows = await windowsOf(store, launched, now);
  const priors = computePriors(launched, windows);
  const computedAt = new Date(now).toISOString();
  const byCategory = pricesAndUnitsByCategory(all, launched, windows);
  const categoryPriors = categoryPriorsOf(byCategory, priors, computedAt);
  const priorsOf = new Map(categoryPriors.map((c) => [c.category, c]));
  const { records, fresh } = scoreAgainst(scorer, launched, windows, priors, priorsOf, now);
  await store.writeScores(records);
  const global = globalPriorsOf(priors, byCategory.keys(), computedAt);
  await store.writePriors(global, categoryPriors);

  const report = emptyReport('full');
  report.scored = records.length;
  report.candidates = fresh.size;
  await rewriteEveryList(store, global, fresh.values(), report, { modelVersion: scorer.version, computedAt });
  return report;
}

export const emptyReport = (mode: RerankReport['mode']): RerankReport => ({
  mode,
  scored: 0,
  candidates: 0,
  listsWritten: 0,
  listsReordered: 0,
  events: 0,
  conflicts: 0,
});
