import { parseArgs } from 'node:util';
import type { BehaviourEvent } from '../events/behaviour.ts';
import type { Product } from '../events/catalog.ts';
import { batchWriteAll } from '../functions/adapters/dynamo/batch-write.ts';
import { priorsKey } from '../functions/adapters/hits-store.ts';
import { updateProfiles } from '../functions/adapters/profile-store.ts';
import { CONTENT_PART, TOTALS_PART } from '../functions/adapters/related-store.ts';
import { updateRelated } from '../functions/adapters/related-updater.ts';
import { aggregateSignals } from '../functions/adapters/signals-store.ts';
import { priceSample } from '../models/hits/features.ts';
import { STORED_LIST_LENGTH } from '../models/related/answer.ts';
import { ContentIndex } from '../models/related/content.ts';
import { orderFactOf } from '../models/segments/profile.ts';
import { withLocalTables } from './lib/local-tables.ts';

/**
 * npm run bench:consumers [-- --products 2400,100000] [--json]
 *
 * The live consumers' cost per event against the catalog's size: the same batches of events (100
 * views, carts, searches and orders over 30 products in ten visits) applied by update-related,
 * aggregate-signals and update-profiles against DynamoDB Local holding a catalog of each size (40
 * categories, so a category grows with the catalog), with the compact items the daily jobs write.
 * Per consumer and size: DynamoDB items and KB read per event (every response counted) and this
 * process's CPU per event; then the ratio of the largest size to the smallest, which should stay
 * near 1: nothing on the event path may scan or read in proportion to the catalog.
 */
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2400,100000' },
    json: { type: 'boolean', default: false },
  },
});
const sizes = values.products!.split(',').map(Number);
const CATEGORIES = 40;
const T0 = Date.UTC(2026, 10, 20, 8);
const pid = (n: number) => `p-${String(n).padStart(7, '0')}`;

function catalog(n: number): Product[] {
  return Array.from({ length: n }, (_, i) => ({
    productId: pid(i),
    title: `Product ${i}`,
    category: `cat-${i % CATEGORIES}`,
    tags: [`t-${i % 7}`, `t-${i % 11}`],
    attributes: { colour: ['red', 'blue', 'green'][i % 3]! },
    listPrice: 1_000 + ((i * 7919) % 50_000),
    cost: 500,
    stock: 100,
    launchDate: '2026-01-01',
    consumable: i % 5 === 0,
  }));
}

/** A batch of the same shape for every size: the touched products are the first 30. */
function batch(round: number): BehaviourEvent[] {
  const out: BehaviourEvent[] = [];
  const at = (k: number) => new Date(T0 + round * 3_600_000 + k * 20_000).toISOString();
  for (let s = 0; s < 10; s++) {
    for (let k = 0; k < 8; k++) {
      const productId = pid((s * 3 + k) % 30);
      out.push(
        k % 4 === 3
          ? {
              type: 'ProductAddedToCart',
              eventId: `e-${round}-${s}-${k}`,
              occurredAt: at(s * 10 + k),
              version: 1,
              sessionId: `s-${round}-${s}`,
              userId: `u-${s}`,
              productId,
              quantity: 1,
            }
          : {
              type: 'ProductViewed',
              eventId: `e-${round}-${s}-${k}`,
              occurredAt: at(s * 10 + k),
              version: 1,
              sessionId: `s-${round}-${s}`,
              userId: `u-${s}`,
              productId,
            },
      );
    }
    out.push({
      type: 'SearchPerformed',
      eventId: `q-${round}-${s}`,
      occurredAt: at(s * 10 + 8),
      version: 1,
      sessionId: `s-${round}-${s}`,
      query: 'lamp',
      resultProductIds: Array.from({ length: 10 }, (_, i) => pid((s + i) % 30)),
      clickedProductId: pid(s % 30),
    });
    out.push({
      type: 'OrderPlaced',
      eventId: `o-${round}-${s}`,
      occurredAt: at(s * 10 + 9),
      version: 1,
      sessionId: `s-${round}-${s}`,
      userId: `u-${s}`,
      orderId: `order-${round}-${s}`,
      lines: [0, 1, 2].map((i) => ({ productId: pid((s * 3 + i) % 30), quantity: 1, paidPrice: 2_000 })),
    });
  }
  return out;
}

interface Figures {
  products: number;
  consumer: string;
  itemsPerEvent: number;
  kbPerEvent: number;
  cpuMsPerEvent: number;
}

async function measureSize(products: number): Promise<Figures[]> {
  return withLocalTables('bench-', async ({ client, names }) => {
    const all = catalog(products);
    await batchWriteAll(names.products, all, { client, concurrency: 8 });
    // What the daily jobs leave: priors (bounded price samples) and, for the products the batches
    // touch, their content neighbours and totals (computed over the whole catalog, off the clock).
    const byCategory = new Map<string, number[]>();
    for (const p of all) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p.listPrice]);
    await batchWriteAll(
      names.rankings,
      [...byCategory].map(([category, prices]) => ({
        rankingKey: priorsKey(category),
        category,
        prices: priceSample(prices.sort((a, b) => a - b)),
        cart: 0.1,
        order: 0.03,
        incumbentUnits: 3,
      })),
      { client },
    );
    const index = new ContentIndex(all, []);
    const categoryOf = (id: string) => all[Number(id.slice(2))]?.category;
    await batchWriteAll(
      names.related,
      all.slice(0, 30).flatMap((p) => [
        {
          productId: p.productId,
          part: CONTENT_PART,
          category: p.category,
          neighbours: index
            .neighbours(p.productId, STORED_LIST_LENGTH)
            .map((n) => ({ ...n, category: categoryOf(n.productId) })),
        },
        { productId: p.productId, part: TOTALS_PART, category: p.category, views: 50, orders: 10, at: T0 },
      ]),
      { client },
    );
    let items = 0;
    let bytes = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const body = (out as { output?: Record<string, unknown> }).output ?? {};
        const responses = body.Responses as Record<string, unknown[]> | undefined;
        const read = [
          ...(responses ? Object.values(responses).flat() : []),
          ...((body.Items as unknown[] | undefined) ?? []),
          ...(body.Item ? [body.Item] : []),
        ];
        items += read.length;
        bytes += read.reduce((n: number, i) => n + JSON.stringify(i).length, 0);
        return out;
      },
      { step: 'initialize', name: 'count-reads' },
    );
    const consumers: [string, (events: BehaviourEvent[]) => Promise<unknown>][] = [
      [
        'update-related',
        (events) =>
          updateRelated(
            {
              related: names.related,
              processed: names.processed,
              visits: names.visits,
              products: names.products,
              scenes: names.scenes,
            },
            events,
            { client, now: T0 + 86_400_000 },
          ),
      ],
      [
        'aggregate-signals',
        (events) => aggregateSignals({ signals: names.signals, processed: names.processed }, events, client),
      ],
      [
        'update-profiles',
        (events) =>
          updateProfiles(
            { rfmProfiles: names.rfmProfiles, products: names.products, rankings: names.rankings },
            events.flatMap((e) => (e.type === 'OrderPlaced' ? [orderFactOf(e)!] : [])),
            { client },
          ),
      ],
    ];
    const out: Figures[] = [];
    for (const [name, consume] of consumers) {
      await consume(batch(0)); // warm-up: the JIT and the first read of every shared item
      let events = 0;
      items = 0;
      bytes = 0;
      const cpu = process.cpuUsage();
      for (let round = 1; round <= 5; round++) {
        const b = batch(round);
        events += b.length;
        await consume(b);
      }
      const used = process.cpuUsage(cpu);
      out.push({
        products,
        consumer: name,
        itemsPerEvent: Math.round((items / events) * 100) / 100,
        kbPerEvent: Math.round((bytes / events / 1024) * 100) / 100,
        cpuMsPerEvent: Math.round(((used.user + used.system) / 1000 / events) * 100) / 100,
      });
    }
    return out;
  });
}

const results: Figures[] = [];
for (const n of sizes) results.push(...(await measureSize(n)));
const ratios = [...new Set(results.map((r) => r.consumer))].map((consumer) => {
  const mine = results.filter((r) => r.consumer === consumer);
  const [small, large] = [mine[0]!, mine.at(-1)!];
  const ratio = (a: number, b: number) =>
    b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : Math.round((a / b) * 100) / 100;
  return {
    consumer,
    items: ratio(large.itemsPerEvent, small.itemsPerEvent),
    kb: ratio(large.kbPerEvent, small.kbPerEvent),
    cpu: ratio(large.cpuMsPerEvent, small.cpuMsPerEvent),
  };
});
if (values.json) console.log(JSON.stringify({ results, ratios }));
else {
  for (const r of results)
    console.log(
      `${String(r.products).padStart(7)} products  ${r.consumer.padEnd(18)} ${r.itemsPerEvent.toFixed(2).padStart(6)} items/event  ${r.kbPerEvent.toFixed(2).padStart(7)} KB/event  ${r.cpuMsPerEvent.toFixed(2).padStart(6)} ms CPU/event`,
    );
  for (const r of ratios)
    console.log(
      `ratio ${sizes.at(-1)}/${sizes[0]}  ${r.consumer.padEnd(18)} items ${r.items}  KB ${r.kb}  CPU ${r.cpu}`,
    );
}
