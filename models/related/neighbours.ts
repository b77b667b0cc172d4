import { decayFactor, defaultRelatedConfig, type ProductEvidence, type RelatedConfig } from './evidence.ts';

export type NeighbourReason =
  | 'bought_together'
  | 'viewed_together'
  | 'similar_content'
  | `same_scene:${string}`;

export interface Neighbour {
  productId: string;
  score: number;
  reasons: NeighbourReason[];
}

/** A partner's decayed totals; with `at`, they are decayed from there to `now` before use. */
export interface PartnerTotals {
  views: number;
  orders: number;
  at?: number;
}

/** A reason is named when its evidence gives at least this share of the score. */
const REASON_SHARE = 0.2;

/** Ranking order: score descending, then product id: deterministic lists. */
export const byScore = (a: { productId: string; score: number }, b: { productId: string; score: number }) =>
  b.score - a.score || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0);

/**
 * One kind of evidence as a similarity in [0, 1]: the co-occurrence count divided by
 * anchorTotal^(1 - beta) * partnerTotal^beta (beta = 0.5 is cosine), times count / (count + lambda).
 * Totals below the count (a partner not known, or pruned history) are raised to the count.
 */
export function pairSimilarity(
  co: number,
  anchorTotal: number,
  partnerTotal: number,
  beta: number,
  shrinkage: number,
): number {
  if (co <= 0) return 0;
  const a = Math.max(anchorTotal, co);
  const p = Math.max(partnerTotal, co);
  const normalised = Math.min(1, co / (a ** (1 - beta) * p ** beta));
  return normalised * (co / (co + shrinkage));
}

/**
 * Top-K neighbours from evidence, popularity-corrected and shrunk for small counts. `totalsOf`
 * gives the partners' decayed totals (undefined: only the pair's own count is known). Everything
 * is decayed to `now`, so old evidence is shrunk harder than fresh evidence of the same count.
 */
export function scoreNeighbours(
  ev: ProductEvidence,
  totalsOf: (productId: string) => PartnerTotals | undefined,
  now: number,
  config: RelatedConfig = defaultRelatedConfig,
): Neighbour[] {
  const f = decayFactor(ev.at, now, config.halfLifeDays);
  const views = ev.views * f;
  const orders = ev.orders * f;
  const out: Neighbour[] = [];
  for (const [productId, pair] of Object.entries(ev.pairs)) {
    if (productId === ev.productId) continue;
    const totals = totalsOf(productId);
    const g = totals?.at === undefined ? 1 : decayFactor(totals.at, now, config.halfLifeDays);
    const bought =
      config.boughtWeight *
      pairSimilarity(
        pair.bought * f,
        orders,
        (totals?.orders ?? 0) * g,
        config.popularityBeta,
        config.shrinkage,
      );
    const viewed =
      config.viewedWeight *
      pairSimilarity(
        pair.viewed * f,
        views,
        (totals?.views ?? 0) * g,
        config.popularityBeta,
        config.shrinkage,
      );
    const score = bought + viewed;
    if (!(score >= config.minScore)) continue;
    const reasons: NeighbourReason[] = [];
    const parts: [NeighbourReason, number][] = [
      ['bought_together', bought],
      ['viewed_together', viewed],
    ];
    parts.sort((x, y) => y[1] - x[1]);
    for (const [reason, part] of parts) if (part > 0 && part >= REASON_SHARE * score) reasons.push(reason);
    out.push({ productId, score, reasons });
  }
  return out.sort(byScore).slice(0, config.topK);
}
