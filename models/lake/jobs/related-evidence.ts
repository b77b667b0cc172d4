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
  // A touch's place in its visit (`seq`, by time then event id) stands in for the event id from here
  // on: a number is cheaper to carry through the windows and the visit self-join than the id.
  const touches = `SELECT session_id, product_id, t, w, row_number() OVER (PARTITION BY session_id ORDER BY t, event_id) AS seq
  FROM (
    SELECT session_id, product_id, event_id, ${d.epochMs('occurred_at')} AS t,
           CASE WHEN event_type = 'ProductAddedToCart' THEN ${config.cartWeight} ELSE 1 END AS w
    FROM ${eventsOnce(`e.event_type IN ('ProductViewed', 'ProductAddedToCart') AND ${within}`, ['session_id', 'product_id', 'occurred_at', 'event_type'])} AS v
  ) AS timed`;
  const sequenced = `SELECT session_id, product_id, seq, t, w,
         lag(t) OVER (PARTITION BY session_id, product_id ORDER BY seq) AS prev_t,
         lead(seq) OVER (PARTITION BY session_id, product_id ORDER BY seq) AS next_seq
  FROM (${touches}) AS touches`;
  const counted = `SELECT * FROM (${sequenced}) AS sequenced WHERE prev_t IS NULL OR t - prev_t > ${gapMs}`;
  // The touches are written out where each is read (the totals, and the two sides of the visit
  // self-join) rather than named once: an engine keeps a CTE named twice whole in memory (DuckDB
  // does), and at 10M events the touches held that way left too little for the pairs. Reading the
  // lake's few columns again costs less.
  // Products as numbers (by id, so ties still break by id) in the pairs: the self-join, the pairs'
  // sums and their ranking carry two numbers instead of two ids, which is most of their memory.
  const numbered = (touches: string) =>
    `SELECT n.session_id, i.k AS product, n.seq, n.t, n.w, n.next_seq FROM (${touches}) AS n JOIN ids i ON i.product_id = n.product_id`;
  const pairsOfVisits = { x: numbered(counted), y: numbered(sequenced) };
  const counting = `counted AS (
  ${counted}
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
),
ids AS (
  SELECT product_id, views, orders, row_number() OVER (ORDER BY product_id) AS k FROM totals
)`;
  const pairing = `viewed_pairs AS (
  -- x pairs with y: y is another product's latest touch in the visit before x, within the gap.
  SELECT x.product AS a, y.product AS b,
         ${decay('x.t')} * CASE WHEN x.w > y.w THEN x.w ELSE y.w END AS weight
  FROM (${pairsOfVisits.x}) AS x
  JOIN (${pairsOfVisits.y}) AS y ON y.session_id = x.session_id AND y.product <> x.product
   AND y.seq < x.seq AND x.t - y.t <= ${gapMs}
   AND (y.next_seq IS NULL OR y.next_seq > x.seq)
),
bought_pairs AS (
  SELECT ix.k AS a, iy.k AS b,
         ${decay('x.t')} / power(CAST(x.n - 1 AS DOUBLE), ${config.basketDamping}) AS weight
  FROM sized x JOIN sized y ON y.event_id = x.event_id AND y.product_id <> x.product_id
  JOIN ids ix ON ix.product_id = x.product_id JOIN ids iy ON iy.product_id = y.product_id
),
-- Every pair's weights are symmetric (a visit's pair and an order's pair count the same both ways),
-- so they are summed once per unordered pair and turned both ways after: half the groups. (Naming
-- viewed_pairs twice, once per direction, would also make the engine keep all of it at once.)
unordered AS (
  SELECT a, b, sum(bought) AS bought, sum(viewed) AS viewed FROM (
    SELECT a, b, weight AS bought, 0.0 AS viewed FROM bought_pairs WHERE a < b
    UNION ALL SELECT least(a, b), greatest(a, b), 0.0, weight FROM viewed_pairs
  ) AS one_way
  GROUP BY a, b
  HAVING sum(bought) + sum(viewed) >= ${config.minPairWeight}
),
pairs AS (
  SELECT CASE WHEN dir.d = 0 THEN u.a ELSE u.b END AS a, CASE WHEN dir.d = 0 THEN u.b ELSE u.a END AS b,
         u.bought, u.viewed
  FROM unordered u CROSS JOIN (VALUES (0), (1)) AS dir(d)
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
-- One array of rows per product, taken apart after: several sorted arrays would each buffer and
-- sort every pair, and unsorted ones need not agree on their order.
SELECT product_id, views, orders,
       ${d.fieldOfEach('partners', 1)} AS partner_ids,
       ${d.fieldOfEach('partners', 2)} AS bought,
       ${d.fieldOfEach('partners', 3)} AS viewed,
       ${d.fieldOfEach('partners', 4)} AS partner_views,
       ${d.fieldOfEach('partners', 5)} AS partner_orders
FROM (
  SELECT t.product_id, t.views, t.orders,
         -- A product without partners joins one row of nulls: no array then.
         CASE WHEN count(s.b) > 0 THEN array_agg(ROW(pt.product_id, s.bought, s.viewed, pt.views, pt.orders)) END AS partners
  FROM ids t
  LEFT JOIN strongest s ON s.a = t.k AND s.strength_rank <= ${config.maxPairs}
  LEFT JOIN ids pt ON pt.k = s.b
  GROUP BY t.product_id, t.views, t.orders
) AS grouped`;
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
