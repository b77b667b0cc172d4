import type { BehaviourEvent } from '../../events/behaviour.ts';
import { buildEvidence } from '../../models/related/batch.ts';
import type { ProductEvidence, RelatedConfig } from '../../models/related/evidence.ts';
import type { Neighbour } from '../../models/related/neighbours.ts';
import { buildPopular, type PopularLists, popularBlend, popularityOf } from '../../models/related/popular.ts';
import { type Interactions, KIND_CODE, walkUser } from './interactions.ts';
import type { Context, Scorer } from './protocol.ts';

/** The related-products model under evaluation: trained on the training rows as behaviour events. */

/** Order lines per OrderPlaced, as the contract allows. */
const MAX_ORDER_LINES = 500;

const ISO = (ms: number) => new Date(ms).toISOString();

/** Training rows as behaviour events: orders by (user, timestamp), sessions split by the gap. */
export function toEvents(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  gapMinutes: number,
): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  const gapMs = gapMinutes * 60_000;
  let id = 0;
  const eventId = () => `evt-${(id++).toString(36).padStart(8, '0')}`;
  train.forEach((g, u) => {
    if (!g) return;
    const userId = `u${u}`;
    let session = 0;
    walkUser(data, g, gapMs, {
      order(rows) {
        const lines = rows
          .slice(0, MAX_ORDER_LINES)
          .map((r) => ({ productId: data.itemIds[data.item[r]!]!, quantity: 1, paidPrice: 0 }));
        events.push({
          type: 'OrderPlaced',
          eventId: eventId(),
          occurredAt: ISO(data.at[rows[0]!]!),
          version: 1,
          userId,
          orderId: `o${id}`,
          lines,
        });
      },
      view(r, newSession) {
        if (newSession) session++;
        const sessionId = `${userId}-s${session}`;
        const productId = data.itemIds[data.item[r]!]!;
        const base = {
          eventId: eventId(),
          occurredAt: ISO(data.at[r]!),
          version: 1 as const,
          sessionId,
          userId,
          productId,
        };
        events.push(
          data.kind[r] === KIND_CODE.cart
            ? { type: 'ProductAddedToCart', ...base, quantity: 1 }
            : { type: 'ProductViewed', ...base },
        );
      },
    });
  });
  return events;
}

/**
 * The shop's popular lists as the rebuild computes them (models/related/popular.ts), from the
 * evidence's decayed totals and with the config's popularity blend; an interaction file has no
 * categories, prices or stock, so every item is in stock in one category.
 */
export function offlinePopular(
  ctx: Context,
  evidence: ReadonlyMap<string, ProductEvidence>,
  config: RelatedConfig,
): PopularLists {
  const items = [...evidence.keys()].map((productId) => ({
    productId,
    category: 'all',
    listPrice: 0,
    stock: 1,
  }));
  return buildPopular(
    items,
    (id) => popularityOf(evidence.get(id), ctx.now, config.halfLifeDays),
    new Date(ctx.now).toISOString(),
    { popularityBlend: config.popularityBlend },
  );
}

/**
 * The model as the answer serves it, per recent item: its neighbours, then the popularity blend's
 * candidates at the item's best neighbour score (popularBlend, as models/related/answer.ts does).
 */
export function modelScorer(
  ctx: Context,
  neighbours: Map<string, Neighbour[]>,
  popular?: PopularLists,
): Scorer {
  const index = new Map<string, number>();
  ctx.data.itemIds.forEach((id, i) => {
    index.set(id, i);
  });
  const byItem: { item: number; score: number }[][] = [];
  for (const [id, list] of neighbours)
    byItem[index.get(id)!] = list.map((n) => ({ item: index.get(n.productId)!, score: n.score }));
  // Scaled to a best neighbour score of 1 once; each item's own `top` scales them below.
  const blend = popularBlend(popular, 'all', 1).map((c) => ({
    item: index.get(c.productId)!,
    score: c.score,
  }));
  return (item, add) => {
    const list = byItem[item] ?? [];
    let top = 0;
    for (const n of list) {
      add(n.item, n.score);
      if (n.score > top) top = n.score;
    }
    if (top > 0) for (const p of blend) add(p.item, top * p.score);
  };
}

export function trainModel(ctx: Context, config: RelatedConfig, events?: BehaviourEvent[]) {
  const evidence = buildEvidence(
    events ?? toEvents(ctx.data, ctx.split.train, config.sessionGapMinutes),
    config,
  );
  return evidence;
}
