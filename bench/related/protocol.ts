import { catalogCoverage, type RankMetrics, rankMetrics } from '../../models/related/offline.ts';
import type { Interactions } from './interactions.ts';

/**
 * The evaluation protocol: each user's last interaction (by time, then file order) of users with at
 * least 3 is held out; each user's list is ranked from their most recent distinct training items
 * (newest weighs most), excluding everything the user already interacted with, and filled up from
 * the most popular items when short, the same way for the model and the baselines.
 */

export const CUTOFF = 10;
/** Distinct recent training items a user's list is built from, and how fast older ones fade. */
const RECENT_ITEMS = 10;
export const RECENT_FADE = 0.8;

export interface Split {
  /** Training rows grouped by user, each group in time order (then file order). */
  train: number[][];
  /** One held-out row per eligible user. */
  test: { user: number; row: number }[];
}

/** Each user's rows in time order (then file order). */
export function groupByUser(data: Interactions, rows: Iterable<number>): number[][] {
  const groups: number[][] = [];
  for (const r of rows) {
    const u = data.user[r]!;
    const g = groups[u];
    if (g) g.push(r);
    else groups[u] = [r];
  }
  for (const g of groups) g?.sort((a, b) => data.at[a]! - data.at[b]! || a - b);
  return groups;
}

/** Leave the last out of every user with at least 3 interactions. */
export function leaveLastOut(data: Interactions, groups: readonly (number[] | undefined)[]): Split {
  void data;
  const train: number[][] = [];
  const test: { user: number; row: number }[] = [];
  groups.forEach((g, u) => {
    if (!g) return;
    if (g.length >= 3) {
      test.push({ user: u, row: g[g.length - 1]! });
      train[u] = g.slice(0, -1);
    } else train[u] = g;
  });
  return { train, test };
}

/** Keeps the best `n` (score descending, then item id) of a stream of candidates. */
class TopN {
  readonly items: { item: number; score: number }[] = [];
  constructor(
    readonly n: number,
    readonly rank: Int32Array,
  ) {}
  offer(item: number, score: number) {
    const list = this.items;
    if (list.length === this.n) {
      const worst = list[list.length - 1]!;
      if (score < worst.score || (score === worst.score && this.rank[item]! > this.rank[worst.item]!)) return;
    }
    let i = list.length;
    while (i > 0) {
      const prev = list[i - 1]!;
      if (prev.score > score || (prev.score === score && this.rank[prev.item]! < this.rank[item]!)) break;
      i--;
    }
    list.splice(i, 0, { item, score });
    if (list.length > this.n) list.pop();
  }
}

export interface Context {
  data: Interactions;
  split: Split;
  /** Items by popularity in training (interaction count), then by id. */
  popular: number[];
  /** Position of each item in id order, for deterministic ties. */
  rank: Int32Array;
  catalogSize: number;
  now: number;
}

export function makeContext(data: Interactions, split: Split): Context {
  const counts = new Float64Array(data.itemIds.length);
  let now = Number.NEGATIVE_INFINITY;
  let catalog = 0;
  for (const g of split.train) {
    if (!g) continue;
    for (const r of g) {
      const item = data.item[r]!;
      if (counts[item] === 0) catalog++;
      counts[item]! += 1;
      now = Math.max(now, data.at[r]!);
    }
  }
  const byId = data.itemIds.map((_, i) => i).sort((a, b) => (data.itemIds[a]! < data.itemIds[b]! ? -1 : 1));
  const rank = new Int32Array(data.itemIds.length);
  byId.forEach((item, pos) => {
    rank[item] = pos;
  });
  const popular = byId
    .filter((i) => counts[i]! > 0)
    .sort((a, b) => counts[b]! - counts[a]! || rank[a]! - rank[b]!);
  return { data, split, popular, rank, catalogSize: catalog, now };
}

export type Scorer = (item: number, add: (partner: number, score: number) => void) => void;

/**
 * What a method knows of one test user when it ranks: their training rows (time order), the items
 * they already interacted with (never recommended), and their most recent distinct items, newest
 * first (at most RECENT_ITEMS).
 */
export interface UserView {
  user: number;
  rows: readonly number[];
  seen: ReadonlySet<number>;
  recent: readonly number[];
}

/**
 * Where a method puts its scores for one user: `add(item, score)` any number of times per item
 * (summed), or `addRow` for a whole weighted similarity row at once (the first `limit` entries).
 * Items the user has seen may be scored; they are dropped afterwards.
 */
export interface Scores {
  add(item: number, score: number): void;
  addRow(items: Int32Array, sims: ArrayLike<number>, weight: number, limit?: number): void;
}

/** A method's scores for one user. */
export type UserScorer = (view: UserView, scores: Scores) => void;

/** The protocol's item-to-item use of a Scorer: the recent items' partners, newest weighing most. */
export function recentItemsScorer(scorer: Scorer): UserScorer {
  return (view, scores) => {
    view.recent.forEach((item, k) => {
      const w = RECENT_FADE ** k;
      scorer(item, (partner, score) => scores.add(partner, w * score));
    });
  };
}

/** Every test user's top-10 from an item-to-item scorer (the model, co-occurrence), then popular items. */
export function recommend(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  scorer: Scorer | undefined,
): string[][] {
  return recommendUsers(ctx, cases, scorer ? recentItemsScorer(scorer) : undefined);
}

/**
 * Every test user's top-10, the same way for every method: its scores, never an item the user
 * already interacted with, ties by item id, filled up from the most popular items when short.
 */
export function recommendUsers(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  scoreUser: UserScorer | undefined,
): string[][] {
  const { data } = ctx;
  const dense = new Float64Array(data.itemIds.length);
  const marked = new Uint8Array(data.itemIds.length);
  const touched: number[] = [];
  const add = (item: number, score: number) => {
    if (marked[item] === 0) {
      marked[item] = 1;
      touched.push(item);
    }
    dense[item]! += score;
  };
  const scores: Scores = {
    add,
    addRow(items, sims, weight, limit = items.length) {
      const n = Math.min(limit, items.length);
      for (let m = 0; m < n; m++) {
        const item = items[m]!;
        if (marked[item] === 0) {
          marked[item] = 1;
          touched.push(item);
        }
        dense[item]! += weight * sims[m]!;
      }
    },
  };
  return cases.map(({ user }) => {
    const rows = ctx.split.train[user] ?? [];
    const seen = new Set<number>();
    const recent: number[] = [];
    for (let i = rows.length - 1; i >= 0; i--) {
      const item = data.item[rows[i]!]!;
      if (!seen.has(item) && recent.length < RECENT_ITEMS) recent.push(item);
      seen.add(item);
    }
    const top = new TopN(CUTOFF, ctx.rank);
    if (scoreUser) {
      scoreUser({ user, rows, seen, recent }, scores);
      for (const item of touched) {
        const score = dense[item]!;
        if (score > 0 && !seen.has(item)) top.offer(item, score);
        dense[item] = 0;
        marked[item] = 0;
      }
      touched.length = 0;
    }
    const list = top.items.map((c) => c.item);
    const inList = new Set(list);
    for (const item of ctx.popular) {
      if (list.length >= CUTOFF) break;
      if (!seen.has(item) && !inList.has(item)) list.push(item);
    }
    return list.map((i) => data.itemIds[i]!);
  });
}

export interface MethodResult extends RankMetrics {
  coverage: number;
  /** Per test case, in case order: the held-out item's rank in the top 10 (1-based), 0 when absent. */
  ranks: Int32Array;
  /** Per test case, the top-10 as item indices (for coverage over resampled users). */
  lists: Int32Array[];
}

export function evaluate(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  lists: string[][],
): MethodResult {
  const m = rankMetrics(
    cases.map((c, i) => ({ truth: ctx.data.itemIds[ctx.data.item[c.row]!]!, ranked: lists[i]! })),
    CUTOFF,
  );
  const index = itemIndex(ctx);
  const asItems = lists.map((l) => Int32Array.from(l.slice(0, CUTOFF), (id) => index.get(id)!));
  const ranks = Int32Array.from(cases, (c, i) => asItems[i]!.indexOf(ctx.data.item[c.row]!) + 1);
  return {
    hr10: m.hr10,
    ndcg10: m.ndcg10,
    mrr10: m.mrr10,
    coverage: catalogCoverage(lists, ctx.catalogSize, CUTOFF),
    ranks,
    lists: asItems,
  };
}

const indexes = new WeakMap<Interactions, Map<string, number>>();
function itemIndex(ctx: Context): Map<string, number> {
  let index = indexes.get(ctx.data);
  if (!index) {
    index = new Map(ctx.data.itemIds.map((id, i) => [id, i]));
    indexes.set(ctx.data, index);
  }
  return index;
}
