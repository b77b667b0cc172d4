import type { Product } from '../../../../events/catalog.ts';
import { DAY_MS, isoDate } from './calendar.ts';
import { ADJECTIVE_TAGS, BRANDS, CATEGORIES, type CategorySpec, type Tier } from './categories.ts';
import type { Rng } from './prng.ts';

/** A generated product together with what the simulation needs to know about it. */
export interface ProductPlan {
  index: number;
  product: Product;
  spec: CategorySpec;
  /** Index into CATEGORIES. */
  cat: number;
  tier: Tier;
  item: number;
  /** Baseline shopper interest (long tail within each category). */
  popularity: number;
  /** Launch instant (UTC midnight of launchDate). */
  launchMs: number;
  /** Launched within the 60 days before endAt: a new, cold item. */
  isNew: boolean;
}

const TIER_SHARE: readonly [Tier, number][] = [
  ['budget', 0.35],
  ['mid', 0.45],
  ['premium', 0.2],
];

/** Shoppers browse budget and mid items more; premium items are looked at less. */
const TIER_INTEREST: Record<Tier, number> = { budget: 1.15, mid: 1, premium: 0.6 };

const EDITIONS = [' Pro', ' Plus', ' Lite', ' Max', ' II', ' SE', ' 2026 Edition'];

export const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Split `total` products over the categories by their share (largest remainder), so every
 * category gets its fair part whatever the total.
 */
function allocate(total: number): number[] {
  const sum = CATEGORIES.reduce((s, c) => s + c.share, 0);
  const exact = CATEGORIES.map((c) => (total * c.share) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, n) => s + n, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

/**
 * Charm pricing in yuan: ¥19.9 under ¥30, ¥129 / ¥459 under ¥1,000, ¥1,299 above; kept below the
 * band's upper edge so tier tags follow the price.
 */
function charmPrice(yuan: number, upper: number): number {
  const step = yuan < 30 ? 1 : yuan < 1000 ? 10 : 100;
  const at = (y: number) => (step === 1 ? Math.ceil(y) - 0.1 : Math.ceil(y / step) * step - 1);
  let price = at(yuan);
  if (price >= upper) price = at(yuan - step);
  return Math.round(price * 100);
}

function listPriceFen(r: Rng, spec: CategorySpec, tier: Tier): number {
  const [b, m, p, top] = spec.band;
  const [lo, hi] = tier === 'budget' ? [b, m] : tier === 'mid' ? [m, p] : [p, top];
  // Log-uniform within the band, a little away from its upper edge.
  const yuan = Math.exp(r.between(Math.log(lo), Math.log(hi * 0.97)));
  return charmPrice(Math.max(lo, yuan), tier === 'premium' ? top + 1 : hi);
}

export function generateProducts(r: Rng, count: number, endMs: number): ProductPlan[] {
  const counts = allocate(count);
  // Plan (category, slot-in-category) pairs, then shuffle so ids do not cluster by category.
  const planned: [number, number][] = [];
  counts.forEach((n, cat) => {
    for (let k = 0; k < n; k++) planned.push([cat, k]);
  });
  r.shuffle(planned);

  // Popularity rank within each category: a random permutation, so the long tail is not by id.
  const ranks = counts.map((n) => r.shuffle(Array.from({ length: n }, (_, i) => i)));
  const titles = new Set<string>();
  const endDay = Math.floor(endMs / DAY_MS) * DAY_MS;

  return planned.map(([cat, k], index) => {
    const spec = CATEGORIES[cat]!;
    const productId = `p-${pad(index + 1, 5)}`;
    const tier = r.weighted(TIER_SHARE, ([, w]) => w)[0];
    // The first products of a category walk through every kind, so each kind is stocked.
    const item = k < spec.items.length ? k : r.int(0, spec.items.length - 1);
    const kind = spec.items[item]!;
    const brand = r.pick(BRANDS[spec.family]);
    const { attributes, qualifier, tags: attrTags } = spec.attrs(r, tier, kind);

    const adjectiveCandidates = spec.adjectives.filter(
      (a) => !kind.noun.toLowerCase().includes(a.toLowerCase()) && !(qualifier ?? '').includes(a),
    );
    const adjective =
      r.chance(0.75) && adjectiveCandidates.length > 0 ? r.pick(adjectiveCandidates) : undefined;
    let title = [brand, adjective, qualifier, kind.noun].filter((s) => s !== undefined).join(' ');
    if (titles.has(title)) {
      // Same brand, adjective and kind: tell them apart as storefronts do, by colour or edition.
      const color = typeof attributes.color === 'string' ? [`, ${attributes.color}`] : [];
      const suffix = [...color, ...EDITIONS].find((s) => !titles.has(`${title}${s}`));
      title = `${title}${suffix ?? ` ${productId}`}`;
    }
    titles.add(title);

    const tags = new Set<string>(spec.baseTags);
    for (const t of kind.tags ?? []) tags.add(t);
    for (const t of attrTags ?? []) tags.add(t);
    if (adjective !== undefined && ADJECTIVE_TAGS[adjective] !== undefined)
      tags.add(ADJECTIVE_TAGS[adjective]);
    const extra = r.int(0, 2);
    for (let i = 0; i < extra && spec.features.length > 0; i++) tags.add(r.pick(spec.features));
    if (tier === 'budget') tags.add('budget');
    if (tier === 'premium') tags.add('premium');

    const listPrice = listPriceFen(r, spec, tier);
    const cost = Math.round(listPrice * r.between(0.45, 0.75));

    const isNew = r.chance(0.08);
    const launchMs = endDay - (isNew ? r.int(1, 58) : r.int(61, 1100)) * DAY_MS;

    let stock = 0;
    if (!r.chance(0.06)) {
      const base = spec.consumable ? 6.2 : tier === 'premium' ? 3.6 : 4.6;
      stock = Math.max(1, Math.min(20_000, Math.round(Math.exp(base + 0.8 * r.gauss()))));
    }

    const rank = ranks[cat]![k]!;
    const popularity = spec.demand * TIER_INTEREST[tier] * (1 / (rank + 1) ** 0.9) * (isNew ? 0.6 : 1);

    const product: Product = {
      productId,
      title,
      category: spec.slug,
      tags: [...tags].sort(),
      attributes,
      brand,
      listPrice,
      cost,
      stock,
      launchDate: isoDate(launchMs),
      imageUrl: `https://img.example.com/p/${productId}.jpg`,
      consumable: spec.consumable,
    };
    return { index, product, spec, cat, tier, item, popularity, launchMs, isNew };
  });
}
