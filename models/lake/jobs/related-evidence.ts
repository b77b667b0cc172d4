import * as z from 'zod';
import { defaultRelatedConfig, type ProductEvidence, type RelatedConfig } from '../../related/evidence.ts';
import type { PartnerTotals } from '../../related/neighbours.ts';
import { type Dialect, eventDates, eventsOnce } from '../dialect.ts';

/**
 * Every product's related evidence from the lake's window, decayed to `toMs`: the decayed count of
 * visits that viewed it (carts weigh `cartWeight`) and of orders that held it, and per partner the
 * decayed bought-together and viewed-together weights, the `maxPairs` strongest kept. The rules are
 * those of models/related/evidence.ts, in SQL:
 *
 * - an order counts once for each distinct product, and each pair of its n distinct products gets
 *   1 / (n - 1)^basketDamping bought-together;
 * - a view or cart of a product the visit touched within `sessionGapMinutes` before is a repeat: it
 *   counts nothing. Otherwise it counts a visit for the product and pairs with every other product
 *   whose latest interaction in the visit is at most the gap before it, with the larger of the two
 *   interactions' weights;
 * - every increment is decayed from its event to `toMs` (half-life `halfLifeDays`).
 *
 * What the in-memory rebuild does and this does not: it keeps at most `recentLimit` products per
 * visit (a visit touching more than 20 products within half an hour pairs a little more here), and
 * prunes pairs to `maxPairs` after each replayed batch rather than once at the end.
 */
/** The common table expressions both related jobs read: each visit's counted touches, each order's products, each product's totals. */
function relatedCtes(
  d: Dialect,
  { fromMs, toMs, config }: { fromMs: number; toMs: number; config: RelatedConfig },
): { counting: string; pairing: string; decay: (t: string) => string } {
  const when = d.epochMs('e.occurred_at');
  const halfLifeMs = config.halfLifeDays * 86_400_000;
  const gapMs = config.sessionGapMinutes * 60_000;
  const decay = (t: string) => `power(2.0, -CAST(${toMs} - ${t} AS DOUBLE) / ${halfLifeMs})`;
  const within = `e.${eventDates(fromMs, toMs)} AND ${when} >= ${fromMs} AND ${when} < ${toMs}`;
  const counting = `touches AS (
  SELECT session_id, product_id, event_id, ${d.epochMs('occurred_at')} AS t,
         CASE WHEN event_type = 'ProductAddedToCart' THEN ${config.cartWeight} ELSE 1 END AS w
  FROM ${eventsOnce(`e.event_type IN ('ProductViewed', 'ProductAddedToCart') AND ${within}`, ['session_id', 'product_id', 'occurred_at', 'event_type'])} AS v
),
sequenced AS (
  SELECT session_id, product_id, event_id, t, w,
         lag(t) OVER (PARTITION BY session_id, product_id ORDER BY t, event_id) AS prev_t,
         lead(t) OVER (PARTITION BY session_id, product_id ORDER BY t, event_id) AS next_t,
         lead(event_id) OVER (PARTITION BY session_id, product_id ORDER BY t, event_id) AS next_id
  FROM touches
),
counted AS (
  SELECT * FROM sequenced WHERE prev_t IS NULL OR t - prev_t > ${gapMs}
),
baskets AS (
  SELECT DISTINCT o.event_id, ${d.epochMs('o.occurred_at')} AS t, l_product_id AS product_id
  FROM ${eventsOnce(`e.event_type = 'OrderPlaced' AND ${within}`, ['occurred_at', 'lines'])} AS o
  ${d.unnestStructs('lines', 'l', ['product_id'])}
),
sized AS (
  SELECT event_id, t, product_id, count(*) OVER (PARTITION BY event_id) AS n FROM baskets
),
totals AS (
  SELECT product_id, sum(views) AS views, sum(orders) AS orders FROM (
    SELECT product_id, ${decay('t')} * w AS views, 0.0 AS orders FROM counted
    UNION ALL SELECT product_id, 0.0, ${decay('t')} FROM sized
  ) AS counts
  GROUP BY product_id
)`;
  const pairing = `viewed_pairs AS (
  -- x pairs with y: y is another product's latest touch in the visit before x, within the gap.
  SELECT x.product_id AS a, y.product_id AS b,
         ${decay('x.t')} * CASE WHEN x.w > y.w THEN x.w ELSE y.w END AS weight
  FROM counted x
  JOIN sequenced y ON y.session_id = x.session_id AND y.product_id <> x.product_id
   AND (y.t < x.t OR (y.t = x.t AND y.event_id < x.event_id))
   AND x.t - y.t <= ${gapMs}
   AND (y.next_t IS NULL OR y.next_t > x.t OR (y.next_t = x.t AND y.next_id > x.event_id))
),
bought_pairs AS (
  SELECT x.product_id AS a, y.product_id AS b,
         ${decay('x.t')} / power(CAST(x.n - 1 AS DOUBLE), ${config.basketDamping}) AS weight
  FROM sized x JOIN sized y ON y.event_id = x.event_id AND y.product_id <> x.product_id
),
pairs AS (
  SELECT a, b, sum(bought) AS bought, sum(viewed) AS viewed FROM (
    SELECT a, b, weight AS bought, 0.0 AS viewed FROM bought_pairs
    UNION ALL SELECT a, b, 0.0, weight FROM viewed_pairs
    UNION ALL SELECT b, a, 0.0, weight FROM viewed_pairs
  ) AS both_ways
  GROUP BY a, b
  HAVING sum(bought) + sum(viewed) >= ${config.minPairWeight}
),
strongest AS (
  SELECT a, b, bought, viewed,
         row_number() OVER (PARTITION BY a ORDER BY bought * ${config.boughtWeight} + viewed * ${config.viewedWeight} DESC, b) AS strength_rank
  FROM pairs
)`;
  return { counting, pairing, decay };
}

export function relatedEvidenceSql(
  d: Dialect,
  { fromMs, toMs, config = defaultRelatedConfig }: { fromMs: number; toMs: number; config?: RelatedConfig },
): string {
  const { counting, pairing } = relatedCtes(d, { fromMs, toMs, config });
  return `
WITH ${counting},
${pairing}
-- One row per product, its partners (with their own totals, so that a writer can score the
-- product's neighbours from its row alone) in parallel arrays: a result file never splits a product.
SELECT t.product_id, t.views, t.orders,
       array_agg(s.b ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS partner_ids,
       array_agg(s.bought ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS bought,
       array_agg(s.viewed ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS viewed,
       array_agg(coalesce(pt.views, 0.0) ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS partner_views,
       array_agg(coalesce(pt.orders, 0.0) ORDER BY s.b) FILTER (WHERE s.b IS NOT NULL) AS partner_orders
FROM totals t
LEFT JOIN strongest s ON s.a = t.product_id AND s.strength_rank <= ${config.maxPairs}
LEFT JOIN totals pt ON pt.product_id = s.b
GROUP BY t.product_id, t.views, t.orders`;
}

/**
 * Every product's decayed totals alone (views, orders), as of `toMs`: what the live path divides a
 * pair's count by (the partner's popularity), refreshed daily into compact items so that a live
 * batch never reads a partner's whole evidence.
 */
export function relatedTotalsSql(
  d: Dialect,
  { fromMs, toMs, config = defaultRelatedConfig }: { fromMs: number; toMs: number; config?: RelatedConfig },
): string {
  const { counting } = relatedCtes(d, { fromMs, toMs, config });
  return `
WITH ${counting}
SELECT product_id, views, orders FROM totals`;
}

export const TotalsRow = z.object({ product_id: z.string(), views: z.number(), orders: z.number() });
export type TotalsRow = z.infer<typeof TotalsRow>;

const numbers = z.array(z.number()).nullable();
export const EvidenceRow = z.object({
  product_id: z.string(),
  views: z.number(),
  orders: z.number(),
  /** Parallel arrays, one entry per partner (null: no partner). */
  partner_ids: z.array(z.string()).nullable(),
  bought: numbers,
  viewed: numbers,
  partner_views: numbers,
  partner_orders: numbers,
});
export type EvidenceRow = z.infer<typeof EvidenceRow>;

/** A row as the product's evidence, dated `at` (the query's `toMs`), and its partners' totals. */
export function evidenceOfRow(
  r: EvidenceRow,
  at: number,
): { evidence: ProductEvidence; partnerTotals: Map<string, PartnerTotals> } {
  const evidence: ProductEvidence = {
    productId: r.product_id,
    at,
    views: r.views,
    orders: r.orders,
    pairs: {},
  };
  const partnerTotals = new Map<string, PartnerTotals>();
  (r.partner_ids ?? []).forEach((id, i) => {
    evidence.pairs[id] = { bought: r.bought![i]!, viewed: r.viewed![i]! };
    partnerTotals.set(id, { views: r.partner_views![i]!, orders: r.partner_orders![i]!, at });
  });
  return { evidence, partnerTotals };
}

/** Every row's evidence, by product. */
export function evidenceFromRows(rows: Iterable<EvidenceRow>, at: number): Map<string, ProductEvidence> {
  const out = new Map<string, ProductEvidence>();
  for (const r of rows) out.set(r.product_id, evidenceOfRow(r, at).evidence);
  return out;
}
