/**
 * Pure pieces of the offline evaluation (`bench/eval-related.ts`): event types of interaction
 * files and the ranking metrics. The CSV records and timestamps are read by models/csv.ts.
 */

export type InteractionKind = 'view' | 'cart' | 'order';

/** An `event_type` value as an interaction kind; unknown or missing types count as views. */
export function interactionKind(eventType: string | undefined): InteractionKind {
  const t = (eventType ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (['order', 'purchase', 'buy', 'bought', 'transaction', 'checkout'].includes(t)) return 'order';
  if (['cart', 'add_to_cart', 'addtocart', 'added_to_cart', 'basket'].includes(t)) return 'cart';
  return 'view';
}

export interface RankMetrics {
  hr10: number;
  ndcg10: number;
  mrr10: number;
}

/**
 * Leave-one-out ranking metrics at a cut-off: per case one held-out item and a ranked list.
 * HR = share of cases whose item is in the top `cutoff`; NDCG = mean 1 / log2(rank + 1); MRR =
 * mean 1 / rank (rank from 1; 0 when missing). Means over all cases (0 for no cases).
 */
export function rankMetrics(
  cases: Iterable<{ truth: string; ranked: readonly string[] }>,
  cutoff = 10,
): RankMetrics & { cases: number } {
  let n = 0;
  let hits = 0;
  let ndcg = 0;
  let mrr = 0;
  for (const c of cases) {
    n++;
    const index = c.ranked.slice(0, cutoff).indexOf(c.truth);
    if (index < 0) continue;
    hits++;
    ndcg += 1 / Math.log2(index + 2);
    mrr += 1 / (index + 1);
  }
  return n === 0
    ? { hr10: 0, ndcg10: 0, mrr10: 0, cases: 0 }
    : { hr10: hits / n, ndcg10: ndcg / n, mrr10: mrr / n, cases: n };
}

/** Share of the catalog that appears in at least one list's top `cutoff`. */
export function catalogCoverage(
  lists: Iterable<readonly string[]>,
  catalogSize: number,
  cutoff = 10,
): number {
  if (catalogSize <= 0) return 0;
  const seen = new Set<string>();
  for (const l of lists) for (const id of l.slice(0, cutoff)) seen.add(id);
  return seen.size / catalogSize;
}
