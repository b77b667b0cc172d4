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
/**
 * Fresh picks: each day the last FRESH_PICKS places of the shelf (the first TOP) go to the best
 * candidates the shelf did not show the day before; the places above them stay the model's best.
 * A shelf that holds the same twenty for weeks tells a merchandiser nothing new, and a coming hit
 * waiting just below it is seen only in its week. Rotating the shelf's last quarter through the
 * next best flags hits earlier: on Online Retail more lead time at every training seed (0.7 days
 * on average), precision@20 within a point (docs/hits.md; 5 rather than 3 was chosen on the tuning
 * weeks).
 */
export const FRESH_PICKS = 5;

/**
 * A scored order (best first) with the shelf's last `picks` places given to the best entries not
 * shown the day before (`shownBefore`), then the rest in order. The fresh picks come from the first
 * 2 x TOP of `sorted` (the places kept, at most TOP shown the day before, the picks), so the top
 * LIST_SIZE by score hold them, and a list's membership is still its top LIST_SIZE by score.
 */
export function withFreshPicks<T>(
  sorted: readonly T[],
  shownBefore: (entry: T) => boolean,
  picks = FRESH_PICKS,
): { order: T[]; fresh: Set<T> } {
  const keep = Math.max(0, TOP - picks);
  const fresh = new Set(
    sorted
      .slice(keep)
      .filter((e) => !shownBefore(e))
      .slice(0, picks),
  );
  return {
    order: [...sorted.slice(0, keep), ...fresh, ...sorted.slice(keep).filter((e) => !fresh.has(e))],
    fresh,
  };
}

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
  /** Placed as a fresh pick (FRESH_PICKS): ranked above entries that score higher. */
  freshPick?: true;
}

export interface RankedList {
  /** `global` or a category slug. */
  scope: string;
  version: number;
  revision: number;
  modelVersion: string;
  updatedAt: string;
  items: RankedEntry[];
  /**
   * The shelf as it stood at the end of the day before `day` (UTC): today's fresh picks are not
   * among these. Absent on lists written before fresh picks.
   */
  shelfBefore?: { day: string; productIds: string[] };
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
 * the top `size` by score, and in the top 2 x TOP where the fresh picks come from (the caller's
 * job: see rerank.ts for why its pools, of at least LIST_SIZE, are enough). A pool may be made of
 * stored list entries: their rank and marks are the list's to set again.
 */
export function rankList(
  scope: string,
  previous: RankedList | undefined,
  pool: Iterable<HitEntry>,
  {
    modelVersion,
    now,
    size = LIST_SIZE,
    freshPicks = FRESH_PICKS,
  }: { modelVersion: string; now: string; size?: number; freshPicks?: number },
): Reranked {
  const unique = new Map<string, HitEntry>();
  for (const e of pool) {
    const { rank: _r, previousRank: _p, freshPick: _f, ...entry } = e as Partial<RankedEntry> & HitEntry;
    unique.set(e.productId, entry);
  }
  // The first write of a day takes the shelf as last written as the day before's. A writer whose
  // clock is behind the stored day (a full re-rank started before midnight and writing after it)
  // keeps the stored shelf rather than turning the day back.
  const day = now.slice(0, 10);
  const stored = previous?.shelfBefore;
  const newDay = stored === undefined || day > stored.day;
  const shelfBefore = !newDay
    ? stored
    : { day, productIds: (previous?.items ?? []).slice(0, TOP).map((e) => e.productId) };
  const shown = new Set(shelfBefore.productIds);
  const { order, fresh } = withFreshPicks(
    [...unique.values()].sort(byScore),
    (e) => shown.has(e.productId),
    freshPicks,
  );
  const top = order.slice(0, size);
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
      ...(fresh.has(e) ? { freshPick: true as const } : {}),
    };
  });
  const sameScores =
    sameOrder &&
    previous.modelVersion === modelVersion &&
    before.every(
      (e, i) =>
        e.score === items[i]!.score &&
        e.freshPick === items[i]!.freshPick &&
        sameSignals(e.signals, items[i]!.signals),
    );
  // A new day is written even in the same order: the shelf it keeps for the day changed.
  const change: ListChange = !sameOrder ? 'order' : sameScores && !newDay ? 'none' : 'scores';
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
      shelfBefore,
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
