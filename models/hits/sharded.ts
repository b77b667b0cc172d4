import type { HitRankingUpdated } from '../../events/hits.ts';
import { fnv1a } from '../random.ts';
import { addPriorSums, type PriorSums, priorSums, priorsOfSums } from './features.ts';
import { DEFAULT_LABEL } from './label.ts';
import { byScore, GLOBAL, type HitEntry, LIST_SIZE } from './ranking.ts';
import {
  assemblePriors,
  categoryPriorsOf,
  emptyReport,
  globalPriorsOf,
  type HitScorer,
  type HitStore,
  isLaunchedAt,
  pricesAndUnitsByCategory,
  type RerankReport,
  rewriteList,
  scoreAgainst,
  windowsOf,
} from './rerank.ts';

/**
 * The hourly full re-rank in steps, so that no step reads the whole catalog (rerankAll does, in one
 * invocation): the catalog is cut in `shards` (the products table's parallel Scan segments), and
 *
 * 1. `shardPriors`, per shard: the priors' parts: the launched products' summed counts, each
 *    category's list prices and its largest 28-day units (only the top-K can set the threshold);
 * 2. `mergePriors`, once: adds the parts up and stores the priors, as rerankAll computes them;
 * 3. `scoreShard`, per shard: scores the shard's launched products against them, writes the
 *    scores, and keeps each category's best LIST_SIZE candidates;
 * 4. `rewriteCategoryLists`, per shard: ranks the lists of the categories that fall to the shard
 *    (`categoryShard`) from every shard's best of them (a list's top is among its category's
 *    shards' tops), so no step reads every category's parts: at 16 shards and thousands of
 *    categories that would be tens of thousands of 20-KB items in one invocation;
 * 5. `rewriteGlobalList`, once: ranks the global list from the list steps' best LIST_SIZE (run
 *    parts; its top is among them) and adds up the run's report.
 *
 * The same lists, priors and scores as rerankAll (test/unit/hits-ranking.test.ts). The parts pass
 * between the steps through the store (a Distributed Map's results are capped at 256 KB), each
 * tagged with its run, so a part of an earlier run is never read as this one's.
 */
export interface ShardedRun {
  /** The instant the run scores at, ISO (every step reads the same windows). */
  runAt: string;
  shards: number;
}

const priorsPart = (shard: number, shards: number) => `priors#${shard}/${shards}`;
const pricesPart = (shard: number, shards: number, category: string) =>
  `priors#${shard}/${shards}#${category}`;
const scoredPart = (shard: number, shards: number) => `scored#${shard}/${shards}`;
const topPart = (shard: number, shards: number, category: string) => `top#${shard}/${shards}#${category}`;
const listsPart = (shard: number, shards: number) => `lists#${shard}/${shards}`;

/** The shard whose list step ranks a category's list: FNV-1a of its slug, modulo the shards. */
export function categoryShard(category: string, shards: number): number {
  return fnv1a(category) % shards;
}

interface PriorsPart {
  sums: PriorSums;
  categories: string[];
}
interface PricesPart {
  /** Every product's list price in the category (launched or not), as the price bands read them. */
  prices: number[];
  /** The largest 28-day units of the category's launched products, at most the label's top-K. */
  units: number[];
}
interface ScoredPart {
  modelVersion: string;
  scored: number;
  candidates: number;
}

const shardsOf = (run: ShardedRun) => Array.from({ length: run.shards }, (_, i) => i);

export function checkShard(shard: number, run: ShardedRun): void {
  if (!Number.isInteger(run.shards) || run.shards < 1)
    throw new RangeError(`shards must be >= 1: ${run.shards}`);
  if (!Number.isInteger(shard) || shard < 0 || shard >= run.shards)
    throw new RangeError(`shard ${shard} is not one of 0..${run.shards - 1}`);
}

async function partsOf<T>(
  store: HitStore,
  run: ShardedRun,
  keys: readonly string[],
): Promise<Map<string, T>> {
  const got = await store.readRunParts(run.runAt, keys);
  const missing = keys.filter((k) => !got.has(k));
  // A step that ran before its shards finished (or a shard that failed unseen) must not rank lists.
  if (missing.length > 0)
    throw new Error(`the run at ${run.runAt} lacks ${missing.length} parts, e.g. ${missing[0]}`);
  return got as Map<string, T>;
}

/** Step 1, one shard: the priors' parts from its products and their signals. */
export async function shardPriors(
  store: HitStore,
  shard: number,
  run: ShardedRun,
): Promise<{ products: number }> {
  checkShard(shard, run);
  const now = Date.parse(run.runAt);
  const all = await store.productShard(shard, run.shards);
  const launched = all.filter(isLaunchedAt(now));
  const windows = await windowsOf(store, launched, now);
  const byCategory = pricesAndUnitsByCategory(all, launched, windows);
  const parts = new Map<string, unknown>([
    [
      priorsPart(shard, run.shards),
      { sums: priorSums(launched, windows), categories: [...byCategory.keys()] },
    ],
  ]);
  for (const [category, c] of byCategory) {
    parts.set(pricesPart(shard, run.shards, category), {
      prices: c.prices,
      units: c.units.sort((a, b) => b - a).slice(0, DEFAULT_LABEL.topK),
    } satisfies PricesPart);
  }
  await store.writeRunParts(run.runAt, parts);
  return { products: all.length };
}

/** Step 2: the shards' parts added up into the priors, stored as rerankAll stores them. */
export async function mergePriors(store: HitStore, run: ShardedRun): Promise<{ categories: number }> {
  const heads = await partsOf<PriorsPart>(
    store,
    run,
    shardsOf(run).map((s) => priorsPart(s, run.shards)),
  );
  const keys = shardsOf(run).flatMap((s) =>
    heads.get(priorsPart(s, run.shards))!.categories.map((c) => [c, pricesPart(s, run.shards, c)] as const),
  );
  const prices = await partsOf<PricesPart>(
    store,
    run,
    keys.map(([, k]) => k),
  );
  const byCategory = new Map<string, { prices: number[]; units: number[] }>();
  for (const [category, key] of keys) {
    const c = byCategory.get(category) ?? { prices: [], units: [] };
    c.prices.push(...prices.get(key)!.prices);
    c.units.push(...prices.get(key)!.units);
    byCategory.set(category, c);
  }
  const sums = [...heads.values()].map((h) => h.sums).reduce(addPriorSums);
  const priors = priorsOfSums(sums);
  await store.writePriors(
    globalPriorsOf(priors, byCategory.keys(), run.runAt),
    categoryPriorsOf(byCategory, priors, run.runAt),
  );
  return { categories: byCategory.size };
}

/** Step 3, one shard: its launched products scored and stored, and each category's best kept. */
export async function scoreShard(
  store: HitStore,
  scorer: HitScorer,
  shard: number,
  run: ShardedRun,
): Promise<ScoredPart> {
  checkShard(shard, run);
  const now = Date.parse(run.runAt);
  const launched = (await store.productShard(shard, run.shards)).filter(isLaunchedAt(now));
  const stored = await store.readPriors([...new Set(launched.map((p) => p.category))]);
  if (stored.global?.computedAt !== run.runAt) {
    throw new Error(`the priors stored are not the run's at ${run.runAt} (merge them first)`);
  }
  const windows = await windowsOf(store, launched, now);
  const { records, fresh } = scoreAgainst(
    scorer,
    launched,
    windows,
    assemblePriors(stored.global, stored.categories),
    stored.categories,
    now,
  );
  await store.writeScores(records);
  const best = new Map<string, HitEntry[]>(stored.global.categories.map((c) => [c, []]));
  for (const e of fresh.values()) best.get(e.category)?.push(e);
  const part: ScoredPart = { modelVersion: scorer.version, scored: records.length, candidates: fresh.size };
  const parts = new Map<string, unknown>([[scoredPart(shard, run.shards), part]]);
  // Every category, an empty one too: the last step tells "no candidate here" from "not written".
  for (const [category, entries] of best) {
    parts.set(topPart(shard, run.shards, category), entries.sort(byScore).slice(0, LIST_SIZE));
  }
  await store.writeRunParts(run.runAt, parts);
  return part;
}

/** The run's model (every shard must have scored with the same one) and its scored parts. */
async function runModel(store: HitStore, run: ShardedRun) {
  const scored = await partsOf<ScoredPart>(
    store,
    run,
    shardsOf(run).map((s) => scoredPart(s, run.shards)),
  );
  const versions = new Set([...scored.values()].map((p) => p.modelVersion));
  // A model promoted mid-run: its own full re-rank follows (HitModelTrained); these lists would mix.
  if (versions.size !== 1)
    throw new Error(`the shards scored with different models: ${[...versions].join(', ')}`);
  return { modelVersion: [...versions][0]!, scored };
}

async function runPriors(store: HitStore, run: ShardedRun) {
  const { global } = await store.readPriors([]);
  if (global?.computedAt !== run.runAt)
    throw new Error(`the priors stored are not the run's at ${run.runAt}`);
  return global;
}

/** What a list step did, for the run's report, and its categories' best for the global list. */
type ListsPart = Pick<RerankReport, 'listsWritten' | 'listsReordered' | 'events' | 'conflicts'> & {
  best: HitEntry[];
};

/**
 * Step 4, one shard: the lists of the categories that fall to it, ranked again from every shard's
 * best of them, as rerankAll ranks them from every candidate; their changes announced.
 */
export async function rewriteCategoryLists(
  store: HitStore,
  shard: number,
  run: ShardedRun,
): Promise<Omit<ListsPart, 'best'> & { categories: number }> {
  checkShard(shard, run);
  const global = await runPriors(store, run);
  const { modelVersion } = await runModel(store, run);
  const categories = global.categories.filter((c) => categoryShard(c, run.shards) === shard);
  const tops = await partsOf<HitEntry[]>(
    store,
    run,
    shardsOf(run).flatMap((s) => categories.map((c) => topPart(s, run.shards, c))),
  );
  const lists = await store.readLists(categories);
  const report = emptyReport('full');
  const events: HitRankingUpdated[] = [];
  const meta = { modelVersion, now: run.runAt };
  let best: HitEntry[] = [];
  for (const category of categories) {
    const pool = shardsOf(run).flatMap((s) => tops.get(topPart(s, run.shards, category))!);
    await rewriteList(store, category, lists.get(category), async () => pool, meta, report, events);
    // Only the best LIST_SIZE are kept, category by category: the pools add up to 50 x shards each.
    best = best.concat(pool).sort(byScore).slice(0, LIST_SIZE);
  }
  if (events.length > 0) await store.publish(events);
  const part: ListsPart = {
    listsWritten: report.listsWritten,
    listsReordered: report.listsReordered,
    events: events.length,
    conflicts: report.conflicts,
    // The global list's top is among the shards' bests (the entries as scored this run).
    best,
  };
  await store.writeRunParts(run.runAt, new Map([[listsPart(shard, run.shards), part]]));
  const { best: _b, ...counts } = part;
  return { ...counts, categories: categories.length };
}

/**
 * Step 5: the global list ranked again from the list steps' bests (each the top LIST_SIZE by score
 * of its categories' candidates, so together they hold the global top), and the run's report,
 * which is rerankAll's for the same catalog.
 */
export async function rewriteGlobalList(store: HitStore, run: ShardedRun): Promise<RerankReport> {
  // The priors are checked as every step checks them: a step of another run fails here.
  await runPriors(store, run);
  const { modelVersion, scored } = await runModel(store, run);
  const parts = await partsOf<ListsPart>(
    store,
    run,
    shardsOf(run).map((s) => listsPart(s, run.shards)),
  );
  const lists = await store.readLists([GLOBAL]);
  const pool = [...parts.values()].flatMap((p) => p.best);
  const report = emptyReport('full');
  for (const p of scored.values()) {
    report.scored += p.scored;
    report.candidates += p.candidates;
  }
  for (const p of parts.values()) {
    report.listsWritten += p.listsWritten;
    report.listsReordered += p.listsReordered;
    report.events += p.events;
    report.conflicts += p.conflicts;
  }
  const events: HitRankingUpdated[] = [];
  await rewriteList(
    store,
    GLOBAL,
    lists.get(GLOBAL),
    async () => pool,
    { modelVersion, now: run.runAt },
    report,
    events,
  );
  if (events.length > 0) await store.publish(events);
  report.events += events.length;
  return report;
}
