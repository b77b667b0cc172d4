import { parseArgs } from 'node:util';
import type { Product } from '../events/catalog.ts';
import { batchWriteAll } from '../functions/adapters/dynamo/batch-write.ts';
import { storeListInputs } from '../functions/adapters/related-rebuild.ts';
import { withLocalTables } from './lib/local-tables.ts';
import { peakRssMb } from './lib/process.ts';

/**
 * npm run bench:list-inputs [-- --products 2400,100000] [--per-category 500] [--json]
 *
 * The related-totals job's results step (functions/lake-results.ts, `storeListInputs`) at a
 * catalog's size, in this process as the function runs it, against DynamoDB Local: the catalog
 * scanned for the content index, every product's content neighbours and totals item, the popular
 * lists, and a content-only list for every product without totals (here 40% of them). Prints the
 * seconds and this process's peak RSS per size (DynamoDB Local runs in a child process of its own),
 * to hold against the function's 2,048 MB and 900 s (infra/topology/functions.ts).
 * `--json`: one line per size `{"products","perCategory","seconds","peakRssMb","content","totals","contentOnlyLists"}`.
 */
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2400,100000' },
    'per-category': { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
});
const sizes = values.products.split(',').map(Number);
const perCategory = Number(values['per-category']);
const NOW = Date.UTC(2026, 10, 23);
const pid = (n: number) => `p-${String(n).padStart(7, '0')}`;

/** A catalog shaped like the demo's: tags, an attribute and prices varying within a category. */
function catalog(n: number): Product[] {
  return Array.from({ length: n }, (_, i) => ({
    productId: pid(i),
    title: `Product ${i} of its category, described in a sentence or two as a shop would`,
    category: `cat-${Math.floor(i / perCategory)}`,
    tags: [`t-${i % 7}`, `t-${i % 11}`, `t-${i % 13}`],
    attributes: { colour: ['red', 'blue', 'green'][i % 3]!, size: ['s', 'm', 'l', 'xl'][i % 4]! },
    listPrice: 1_000 + ((i * 7919) % 50_000),
    cost: 500,
    stock: 100,
    launchDate: '2026-01-01',
    consumable: i % 5 === 0,
  }));
}

async function measure(products: number) {
  // A prefix per size: the content index is cached per container by its table's name.
  return withLocalTables(
    `bench-${products}-`,
    async ({ client, names }) => {
      await batchWriteAll(names.products, catalog(products), { client, concurrency: 8 });
      // The job's rows: 60% of the products were viewed or bought in the window.
      const totals = Array.from({ length: Math.floor(products * 0.6) }, (_, i) => ({
        productId: pid(Math.floor(i / 0.6)),
        views: 10 + (i % 200),
        orders: i % 9,
      }));
      const before = peakRssMb();
      const started = performance.now();
      const stored = await storeListInputs(
        { related: names.related, products: names.products, scenes: names.scenes },
        totals,
        { now: NOW, windowEnd: NOW, client },
      );
      const seconds = (performance.now() - started) / 1000;
      return {
        products,
        perCategory,
        seconds: +seconds.toFixed(1),
        peakRssMb: peakRssMb(),
        rssBeforeMb: before,
        ...stored,
      };
    },
    { heap: '2g' },
  );
}

for (const n of sizes) {
  const f = await measure(n);
  if (values.json) console.log(JSON.stringify(f));
  else
    console.log(
      `${n.toLocaleString('en')} products (${perCategory} a category): ${f.seconds} s, peak RSS ${f.peakRssMb} MB ` +
        `(${f.rssBeforeMb} MB before the step); ${f.content} content items, ${f.totals} totals, ${f.contentOnlyLists} content-only lists`,
    );
}
