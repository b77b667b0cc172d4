import type { HitSignals } from './features.ts';

/**
 * Ranked hit lists: one per category and one global, each the top `LIST_SIZE` candidates by hit
 * score. A list's `version` moves only when its order or membership changes, so `previousRank`
 * always means "where it stood before the last reordering" rather than flickering back to "no
 * change" on the next batch that only nudged a score. `revision` moves on every write and is
 * the optimistic lock two concurrent re-rankers meet on.
 */

export const LIST_SIZE = 50;
/** The shelf a storefront shows and the part of a list whose change is announced. */
export const TOP = 20;
export const GLOBAL = 'global';

export interface HitEntry {
  productId: string;
  category: string;
  /** Hit score: the model's probability that the product enters its category's top sellers next week. */
  score: number;
  signals: HitSignals;
  scoredAt: string;
}

export interface RankedEntry extends HitEntry {
  rank: number;
  /** Rank before the list's last reordering; null when the product was not in the list then. */
  previousRank: number | null;
}

export interface RankedList {
  /** `global` or a category slug. */
  scope: string;
  version: number;
  revision: number;
  modelVersion: string;
  updatedAt: string;
  items: RankedEntry[];
}

export type ListChange = 'none' | 'scores' | 'order';

export interface Reranked {
  list: RankedList;
  change: ListChange;
  /** Whether the first TOP places changed (membership or order): worth an event. */
  topChanged: boolean;
}

/** A list's order: score descending, then product id (so ties rank the same in every writer). */
export const byScore = (a: HitEntry, b: HitEntry) =>
  b.score - a.score || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0);

/** Scores are stored to 6 decimals: differences below that are not a change worth a write. */
export const roundScore = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The list `pool` makes, compared with `previous`. `pool` must hold every candidate that can be in
 * the top `size` (the caller's job: see rerank.ts for why its pools are enough).
 */
export function rankList(
  scope: string,
  previous: RankedList | undefined,
  pool: Iterable<HitEntry>,
  { modelVersion, now, size = LIST_SIZE }: { modelVersion: string; now: string; size?: number },
): Reranked {
  const unique = new Map<string, HitEntry>();
  for (const e of pool) unique.set(e.productId, e);
  const top = [...unique.values()].sort(byScore).slice(0, size);
  const before = previous?.items ?? [];
  const sameOrder =
    previous !== undefined &&
    before.length === top.length &&
    before.every((e, i) => e.productId === top[i]!.productId);
  const oldRank = new Map(before.map((e) => [e.productId, e]));
  const items: RankedEntry[] = top.map((e, i) => {
    const old = oldRank.get(e.productId);
    return {
      ...e,
      score: roundScore(e.score),
      rank: i + 1,
      previousRank: sameOrder ? (old?.previousRank ?? null) : (old?.rank ?? null),
    };
  });
  const sameScores =
    sameOrder &&
    previous.modelVersion === modelVersion &&
    before.every((e, i) => e.score === items[i]!.score && sameSignals(e.signals, items[i]!.signals));
  const change: ListChange = !sameOrder ? 'order' : sameScores ? 'none' : 'scores';
  const topIds = (xs: readonly HitEntry[]) =>
    xs
      .slice(0, TOP)
      .map((e) => e.productId)
      .join(',');
  return {
    list: {
      scope,
      version: (previous?.version ?? 0) + (change === 'order' ? 1 : 0),
      revision: (previous?.revision ?? 0) + (change === 'none' ? 0 : 1),
      modelVersion,
      updatedAt: change === 'none' && previous ? previous.updatedAt : now,
      items,
    },
    change,
    topChanged: topIds(before) !== topIds(items),
  };
}

function sameSignals(a: HitSignals, b: HitSignals): boolean {
  for (const k of Object.keys(b) as (keyof HitSignals)[]) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The candidates a category list is ranked from after a batch: the stored best (read from the
 * score index, which may lag the writes just made) overlaid with the fresh scores, minus products
 * that left the running (now top sellers, or moved to another category).
 */
export function categoryPool(
  category: string,
  stored: readonly HitEntry[],
  fresh: readonly HitEntry[],
  removed: ReadonlySet<string>,
): HitEntry[] {
  const pool = new Map<string, HitEntry>();
  for (const e of stored) if (e.category === category) pool.set(e.productId, e);
  for (const e of fresh) {
    if (e.category === category) pool.set(e.productId, e);
    else pool.delete(e.productId);
  }
  for (const id of removed) pool.delete(id);
  return [...pool.values()];
}

/**
 * Whether the previous global list plus the touched categories' new lists are enough to rank the
 * global list again. They are unless a product of the previous global list lost score or left the
 * running: then an untouched category's product may move up into the freed place, and the caller
 * must pool every category list.
 */
export function globalPoolSuffices(
  previousGlobal: RankedList | undefined,
  fresh: ReadonlyMap<string, HitEntry>,
  removed: ReadonlySet<string>,
): boolean {
  if (previousGlobal === undefined) return false;
  for (const e of previousGlobal.items) {
    if (removed.has(e.productId)) return false;
    const now = fresh.get(e.productId);
    if (now !== undefined && (now.score < e.score || now.category !== e.category)) return false;
  }
  return true;
}
