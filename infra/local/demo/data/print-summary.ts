/**
 * Prints what the default demo storefront contains: `npx tsx infra/local/demo/data/print-summary.ts`.
 * The only impure bits (timing, console) live here, not in the generator.
 */
import { performance } from 'node:perf_hooks';
import { generateDemoData } from './generate.ts';

const started = performance.now();
const data = generateDemoData();
const elapsedMs = performance.now() - started;

const count = <T>(items: readonly T[], key: (item: T) => string) => {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return [...out].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
};
const yuan = (fen: number) => `¥${(fen / 100).toFixed(fen % 100 === 0 ? 0 : 2)}`;
const table = (rows: [string, number][]) =>
  rows.map(([k, v]) => `  ${k.padEnd(24)} ${String(v).padStart(7)}`).join('\n');

const first = data.events[0]?.occurredAt ?? '-';
const last = data.events[data.events.length - 1]?.occurredAt ?? '-';
const inStock = data.products.filter((p) => p.stock > 0).length;
const ordersByProduct = new Map<string, number>();
for (const e of data.events) {
  if (e.type !== 'OrderPlaced') continue;
  for (const l of e.lines) ordersByProduct.set(l.productId, (ordersByProduct.get(l.productId) ?? 0) + 1);
}
const sessions = new Set<string>();
let signedIn = 0;
for (const e of data.events) {
  if (e.type === 'ReviewPosted' || e.type === 'OrderPlaced' || sessions.has(e.sessionId)) continue;
  sessions.add(e.sessionId);
  if (e.userId !== undefined) signedIn++;
}

console.log(`Demo storefront generated in ${elapsedMs.toFixed(0)} ms`);
console.log(
  `${data.products.length} products (${inStock} in stock), ${new Set(data.products.map((p) => p.category)).size} categories, ` +
    `${data.scenes.length} scenes, ${data.promotions.length} promotions, ${data.customers.length} customers`,
);
console.log(
  `${data.events.length} events from ${first} to ${last}, ${sessions.size} sessions (${((100 * signedIn) / sessions.size).toFixed(0)}% signed in)\n`,
);

console.log('Products per category:');
console.log(table(count(data.products, (p) => p.category)));
console.log('\nEvents per type:');
console.log(table(count(data.events, (e) => e.type)));
console.log('\nCustomers per tier:');
console.log(table(count(data.customers, (c) => c.memberTier)));

console.log('\nScenes:');
for (const s of data.scenes) {
  console.log(
    `  ${s.sceneId.padEnd(16)} ${s.season.padEnd(9)} ${s.title.en} / ${s.title['zh-CN']}  [${s.slots.map((x) => `${x.slotId}×${x.quantity}${x.required ? '' : '?'}`).join(', ')}]`,
  );
}

console.log('\nPromotions:');
for (const p of data.promotions) {
  console.log(
    `  ${p.promotionId.padEnd(24)} ${p.kind.padEnd(11)} ${p.title['zh-CN']}  (${p.validFrom} → ${p.validTo})`,
  );
}

const byId = new Map(data.products.map((p) => [p.productId, p]));
console.log('\nPlanted hits:');
for (const h of data.truth.hits) {
  const p = byId.get(h.productId)!;
  console.log(
    `  ${h.productId} ${h.category.padEnd(20)} breakout ${h.breakoutAt.slice(0, 10)}  orders ${String(ordersByProduct.get(h.productId) ?? 0).padStart(3)}  ${yuan(p.listPrice).padStart(8)}  ${p.title}`,
  );
}

console.log('\nSeasonal scenes:');
for (const s of data.truth.seasonalScenes)
  console.log(`  ${s.sceneId.padEnd(16)} peak ${s.peakFrom} → ${s.peakTo}`);
console.log(
  `\nPlanted groups: ${data.truth.coBuyGroups.length} co-buy, ${data.truth.coViewGroups.length} co-view; dead stock: ${data.truth.deadStock.length} products`,
);
console.log('Example co-buy groups:');
for (const g of data.truth.coBuyGroups.slice(0, 4))
  console.log(`  ${g.map((id) => byId.get(id)!.title).join(' + ')}`);
