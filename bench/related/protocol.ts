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
const RECENT_FADE = 0.8;

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

/** Every test user's top-10: from the recent items' neighbours, then popular items. */
export function recommend(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  scorer: Scorer | undefined,
): string[][] {
  const { data } = ctx;
  return cases.map(({ user }) => {
    const history = ctx.split.train[user] ?? [];
    const seen = new Set<number>();
    const recent: number[] = [];
    for (let i = history.length - 1; i >= 0; i--) {
      const item = data.item[history[i]!]!;
      if (!seen.has(item) && recent.length < RECENT_ITEMS) recent.push(item);
      seen.add(item);
    }
    const top = new TopN(CUTOFF, ctx.rank);
    if (scorer) {
      const scores = new Map<number, number>();
      recent.forEach((item, k) => {
        const w = RECENT_FADE ** k;
        scorer(item, (partner, score) => {
          if (!seen.has(partner)) scores.set(partner, (scores.get(partner) ?? 0) + w * score);
        });
      });
      for (const [item, score] of scores) if (score > 0) top.offer(item, score);
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
  return {
    hr10: m.hr10,
    ndcg10: m.ndcg10,
    mrr10: m.mrr10,
    coverage: catalogCoverage(lists, ctx.catalogSize, CUTOFF),
  };
}
