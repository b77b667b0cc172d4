import * as z from 'zod';
import { defaultRelatedConfig, type ProductEvidence, type RelatedConfig } from '../../related/evidence.ts';
import type { PartnerTotals } from '../../related/neighbours.ts';
import { type Dialect, eventDates } from '../dialect.ts';
import { type LakePlan, planStatement } from './plan.ts';

/**
 * The parts the visits are cut in on one machine (by their number): the touches and the pairs are
 * each written in this many statements.
 */
export const RELATED_PARTS = 4;

/** Whether a BIGINT falls in part `p` of RELATED_PARTS (non-negative on both engines). */
const inPart = (bigint: string, p: number) =>
  `((${bigint} % ${RELATED_PARTS}) + ${RELATED_PARTS}) % ${RELATED_PARTS} = ${p}`;

/**
 * The buckets the evidence result is cut in on one machine (a product's row is in bucket k mod 32 of
 * its number): each bucket's pairs are summed and ranked by a statement of its own.
 */
export const RELATED_BUCKETS = 32;

type Step = LakePlan['steps'][number];

/**
 * The steps both related jobs share: each visit's touches, each order's products, each product's
 * decayed totals, and the products numbered. The rules are those of models/related/evidence.ts.
 */
function countingSteps(
  d: Dialect,
  { fromMs, toMs, config }: { fromMs: number; toMs: number; config: RelatedConfig },
): { steps: Step[]; decay: (t: string) => string } {
  const when = d.epochMs('e.occurred_at');
  const halfLifeMs = config.halfLifeDays * 86_400_000;
  const gapMs = config.sessionGapMinutes * 60_000;
  const decay = (t: string) => `power(2.0, -CAST(${toMs} - ${t} AS DOUBLE) / ${halfLifeMs})`;
  const within = `e.${eventDates(fromMs, toMs)} AND ${when} >= ${fromMs} AND ${when} < ${toMs}`;
  const touched = `e.event_type IN ('ProductViewed', 'ProductAddedToCart') AND ${within}`;
  // Every view and cart of the window once, with its place in its visit (`seq`, by time then event
  // id: a number stands in for the event id from here on), whether it counts (not a repeat within
  // the gap), the place of the product's next touch in the visit, the visit as a number and the
  // product as its number. Written out on one machine: three steps read it, and at 30M events the
  // whole job as one statement (touches computed where read) ran out of DuckDB's 3 GB. A repeated
  // delivery of an event sorts next to the first (the same visit, time and id) and is dropped there:
  // the window that places a touch in its visit does the work of a separate eventsOnce aggregate.
  const touches = (part: string) => `SELECT ${d.hash64('session_id')} AS visit, product, seq, t, w,
       (prev_t IS NULL OR t - prev_t > ${gapMs}) AS counts, next_seq
FROM (
  SELECT session_id, product, seq, t, w,
         lag(t) OVER (PARTITION BY session_id, product ORDER BY seq) AS prev_t,
         lead(seq) OVER (PARTITION BY session_id, product ORDER BY seq) AS next_seq
  FROM (
    SELECT session_id, product, t, w, event_id,
           row_number() OVER (PARTITION BY session_id ORDER BY t, event_id) AS seq,
           lag(event_id) OVER (PARTITION BY session_id ORDER BY t, event_id) AS previous_event
    FROM (
      SELECT e.session_id, p.k AS product, e.event_id, ${when} AS t,
             CASE WHEN e.event_type = 'ProductAddedToCart' THEN ${config.cartWeight} ELSE 1 END AS w
      FROM events e JOIN products p ON p.product_id = e.product_id
      WHERE ${touched} AND ${part}
    ) AS timed
  ) AS ordered
  WHERE previous_event IS NULL OR previous_event <> event_id
) AS sequenced`;
  const steps: Step[] = [
    {
      id: 'baskets',
      // DISTINCT drops a repeated delivery (the same event, time and products): no eventsOnce here.
      sql: `SELECT DISTINCT o.event_id, ${d.epochMs('o.occurred_at')} AS t, l_product_id AS product_id
FROM (SELECT e.event_id, e.occurred_at, e.lines FROM events e WHERE e.event_type = 'OrderPlaced' AND ${within}) AS o
${d.unnestStructs('lines', 'l', ['product_id'])}`,
    },
    {
      id: 'sized',
      sql: 'SELECT event_id, t, product_id, count(*) OVER (PARTITION BY event_id) AS n FROM baskets',
    },
    {
      // Every product the window touched or sold, numbered by id (so that ties still break by id):
      // the touches, the pairs, their sums and their ranking carry a number (four bytes) instead of
      // an id, which is most of what the pairs write and sum.
      id: 'products',
      sql: `SELECT product_id, CAST(row_number() OVER (ORDER BY product_id) AS INTEGER) AS k FROM (
  SELECT e.product_id FROM events e WHERE ${touched}
  UNION SELECT product_id FROM baskets
) AS seen`,
      materialize: {},
    },
    {
      id: 'touches',
      sql: touches('1 = 1'),
      // By visit (a visit is whole in one part): at 100M events the whole step spilled for 171 s.
      materialize: {
        parts: { count: RELATED_PARTS, of: (p) => touches(inPart(d.hash64('e.session_id'), p)) },
      },
    },
    {
      id: 'totals',
      sql: `SELECT p.product_id, p.k, c.views, c.orders FROM (
  SELECT product, sum(views) AS views, sum(orders) AS orders FROM (
    SELECT product, ${decay('t')} * w AS views, 0.0 AS orders FROM touches WHERE counts
    UNION ALL SELECT p.k, 0.0, ${decay('s.t')} FROM sized s JOIN products p ON p.product_id = s.product_id
  ) AS counts
  GROUP BY product
) AS c JOIN products p ON p.k = c.product`,
    },
  ];
  return { steps, decay };
}

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
 * prunes pairs to `maxPairs` after each replayed batch rather than once at the end. A visit is its
 * session id's 64-bit hash here: two visits whose ids collide (about one chance in 2,000 among 100M
 * visits) would pair with each other.
 */
export function relatedEvidencePlan(
  d: Dialect,
  { fromMs, toMs, config = defaultRelatedConfig }: { fromMs: number; toMs: number; config?: RelatedConfig },
): LakePlan {
  const { steps, decay } = countingSteps(d, { fromMs, toMs, config });
  const gapMs = config.sessionGapMinutes * 60_000;
  const numbered = (conditions: readonly string[]) =>
    `SELECT n.visit, n.product, n.seq, n.t, n.w, n.next_seq FROM touches n${
      conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''
    }`;
  // x pairs with y: y is another product's latest touch in the visit before x, within the gap (of
  // the visits in one part, or of all).
  const visitPairs = (part: number | null) => {
    const inThis = part === null ? [] : [inPart('n.visit', part)];
    return `SELECT x.product AS a, y.product AS b,
       ${decay('x.t')} * CASE WHEN x.w > y.w THEN x.w ELSE y.w END AS weight
FROM (${numbered(['n.counts', ...inThis])}) AS x
JOIN (${numbered(inThis)}) AS y ON y.visit = x.visit AND y.product <> x.product
 AND y.seq < x.seq AND x.t - y.t <= ${gapMs}
 AND (y.next_seq IS NULL OR y.next_seq > x.seq)`;
  };
  // Every pair's increments both ways (a visit's pair counts for both products; an order's pairs
  // are both ways already), with the bucket of the product each is for.
  const increments = (
    viewed: string,
    bought: boolean,
  ) => `SELECT a, b, bought, viewed, ${bucketOf('a')} AS bucket FROM (
  ${bought ? 'SELECT a, b, weight AS bought, 0.0 AS viewed FROM bought_pairs UNION ALL ' : ''}SELECT ${both('v.a', 'v.b')}, 0.0 AS bought, v.weight AS viewed FROM ${viewed} v CROSS JOIN (VALUES (0), (1)) AS dir(d)
) AS increments`;
  const both = (a: string, b: string) =>
    `CASE WHEN dir.d = 0 THEN ${a} ELSE ${b} END AS a, CASE WHEN dir.d = 0 THEN ${b} ELSE ${a} END AS b`;
  const bucketOf = (k: string) => `${k} % ${RELATED_BUCKETS}`;
  const inBucket = (k: string, bucket: number | null) =>
    bucket === null ? '1 = 1' : `${bucketOf(k)} = ${bucket}`;
  return {
    steps: [
      ...steps,
      {
        id: 'ids',
        sql: 'SELECT product_id, views, orders, k FROM totals',
        materialize: {},
      },
      {
        id: 'viewed_pairs',
        sql: visitPairs(null),
      },
      {
        id: 'bought_pairs',
        sql: `SELECT ix.k AS a, iy.k AS b,
       ${decay('x.t')} / power(CAST(x.n - 1 AS DOUBLE), ${config.basketDamping}) AS weight
FROM sized x JOIN sized y ON y.event_id = x.event_id AND y.product_id <> x.product_id
JOIN ids ix ON ix.product_id = x.product_id JOIN ids iy ON iy.product_id = y.product_id`,
      },
      {
        // On one machine the increments are written out by bucket, so that a bucket's sums fit where
        // all of them did not.
        id: 'pairs',
        sql: increments('viewed_pairs', true),
        // By visit, as the touches: a part's self-join holds a quarter of the visits.
        materialize: {
          partitionBy: 'bucket',
          parts: { count: RELATED_PARTS, of: (p) => increments(`(${visitPairs(p)})`, p === 0) },
        },
      },
    ],
    buckets: RELATED_BUCKETS,
    // One row per product, its partners (with their own totals, so that a writer can score the
    // product's neighbours from its row alone) in parallel arrays: a result file never splits a
    // product. One array of rows per product, taken apart after: several sorted arrays would each
    // buffer and sort every pair, and unsorted ones need not agree on their order.
    result: (bucket) => `SELECT product_id, views, orders,
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
  LEFT JOIN (
    SELECT a, b, bought, viewed,
           row_number() OVER (PARTITION BY a ORDER BY bought * ${config.boughtWeight} + viewed * ${config.viewedWeight} DESC, b) AS strength_rank
    FROM (
      SELECT a, b, sum(bought) AS bought, sum(viewed) AS viewed FROM pairs
      WHERE ${bucket === null ? '1 = 1' : `bucket = ${bucket}`}
      GROUP BY a, b
      HAVING sum(bought) + sum(viewed) >= ${config.minPairWeight}
    ) AS summed
  ) AS s ON s.a = t.k AND s.strength_rank <= ${config.maxPairs}
  LEFT JOIN ids pt ON pt.k = s.b
  WHERE ${inBucket('t.k', bucket)}
  GROUP BY t.product_id, t.views, t.orders
) AS grouped`,
  };
}

/** The evidence job as one statement (Athena runs it in steps: models/lake/unload.ts). */
export function relatedEvidenceSql(
  d: Dialect,
  window: { fromMs: number; toMs: number; config?: RelatedConfig },
): string {
  return planStatement(relatedEvidencePlan(d, window));
}

/**
 * Every product's decayed totals alone (views, orders), as of `toMs`: what the live path divides a
 * pair's count by (the partner's popularity), refreshed daily into compact items so that a live
 * batch never reads a partner's whole evidence.
 */
export function relatedTotalsPlan(
  d: Dialect,
  { fromMs, toMs, config = defaultRelatedConfig }: { fromMs: number; toMs: number; config?: RelatedConfig },
): LakePlan {
  return {
    steps: countingSteps(d, { fromMs, toMs, config }).steps,
    result: () => 'SELECT product_id, views, orders FROM totals',
  };
}

export function relatedTotalsSql(
  d: Dialect,
  window: { fromMs: number; toMs: number; config?: RelatedConfig },
): string {
  return planStatement(relatedTotalsPlan(d, window));
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
