import { allocate } from '../allocate.ts';
import { bundleDiscount, byPriority, fitsSlot, type Of } from '../rules.ts';
import { capIfShort, room } from './margin.ts';
import { type Context, closers, miss, type Outcome, type Switch, sortedIds, type WorkLine } from './work.ts';

/**
 * Stage 2: bundles. Complete sets of a product list or of a scene's required slots, each unit in at
 * most one bundle (the largest discount is taken first).
 */

/** A bundle applies at most this many times to one cart. */
export const MAX_BUNDLE_SETS = 100;

interface BundleMatch {
  /** Units taken from each line index. */
  take: Map<number, number>;
  sets: number;
}

function matchBundle(ctx: Context, b: Of<'bundle'>, lines: WorkLine[], free: number[]): BundleMatch | null {
  const take = new Map<number, number>();
  if (b.productIds !== undefined) {
    const ids = sortedIds(b.productIds);
    let sets = MAX_BUNDLE_SETS;
    for (const id of ids) {
      let avail = 0;
      lines.forEach((l, i) => {
        if (l.product.productId === id) avail += free[i]!;
      });
      sets = Math.min(sets, avail);
    }
    if (sets === 0) return null;
    for (const id of ids) {
      let need = sets;
      lines.forEach((l, i) => {
        if (need > 0 && l.product.productId === id && free[i]! > 0) {
          const n = Math.min(need, free[i]!);
          take.set(i, (take.get(i) ?? 0) + n);
          need -= n;
        }
      });
    }
    return { take, sets };
  }
  const scene = b.sceneId === undefined ? undefined : ctx.scenes.get(b.sceneId);
  if (scene === undefined || !scene.active) return null;
  const slots = scene.slots.filter((s) => s.required);
  if (slots.length === 0) return null;
  // Fill each slot from the lines that fit the fewest slots first, so a versatile product is kept
  // for the slot that needs it.
  const fitCount = lines.map((l) => slots.filter((s) => fitsSlot(l.product, s)).length);
  const order = lines.map((_, i) => i).sort((a, b2) => fitCount[a]! - fitCount[b2]! || a - b2);
  const left = [...free];
  let sets = 0;
  while (sets < MAX_BUNDLE_SETS) {
    const trial = [...left];
    const got = new Map<number, number>();
    let complete = true;
    for (const slot of slots) {
      let need = slot.quantity;
      for (const i of order) {
        if (need === 0) break;
        if (trial[i]! > 0 && fitsSlot(lines[i]!.product, slot)) {
          const n = Math.min(need, trial[i]!);
          trial[i]! -= n;
          need -= n;
          got.set(i, (got.get(i) ?? 0) + n);
        }
      }
      if (need > 0) {
        complete = false;
        break;
      }
    }
    if (!complete) break;
    for (const [i, n] of got) {
      take.set(i, (take.get(i) ?? 0) + n);
      left[i]! -= n;
    }
    sets++;
  }
  return sets === 0 ? null : { take: new Map([...take].sort((x, y) => x[0] - y[0])), sets };
}

/** How many items the cart lacks for one set of the bundle, and whether it has any of them. */
export function bundleGap(ctx: Context, b: Of<'bundle'>): { overlap: boolean; missing: number } {
  if (b.productIds !== undefined) {
    const ids = sortedIds(b.productIds);
    const have = ids.filter((id) => ctx.cart.some((l) => l.product.productId === id)).length;
    return { overlap: have > 0, missing: ids.length - have };
  }
  const scene = b.sceneId === undefined ? undefined : ctx.scenes.get(b.sceneId);
  if (scene === undefined || !scene.active) return { overlap: false, missing: 0 };
  let overlap = false;
  let missing = 0;
  for (const slot of scene.slots.filter((s) => s.required)) {
    let units = 0;
    for (const l of ctx.cart) if (fitsSlot(l.product, slot)) units += l.quantity;
    if (units > 0) overlap = true;
    missing += Math.max(0, slot.quantity - units);
  }
  return { overlap, missing };
}

export function bundleStage(ctx: Context, on: Switch, out: Outcome) {
  const bundles = ctx.active.filter((p): p is Of<'bundle'> => p.kind === 'bundle' && on(p));
  if (bundles.length === 0) return;
  const lines = out.lines;
  const used = lines.map(() => 0);
  const done = new Set<string>();
  for (;;) {
    const free = lines.map((l, i) => (l.closedBy === null ? l.quantity - used[i]! : 0));
    let best: { b: Of<'bundle'>; m: BundleMatch; discount: number } | null = null;
    for (const b of bundles) {
      if (done.has(b.promotionId)) continue;
      const m = matchBundle(ctx, b, lines, free);
      if (m === null) continue;
      let base = 0;
      for (const [i, n] of m.take) base += n * lines[i]!.unitPrice;
      const discount = bundleDiscount(b.discount, base, m.sets);
      if (discount <= 0) continue;
      if (
        best === null ||
        discount > best.discount ||
        (discount === best.discount && byPriority(b, best.b) < 0)
      ) {
        best = { b, m, discount };
      }
    }
    if (best === null) break;
    const { b, m, discount } = best;
    done.add(b.promotionId);
    const idx = [...m.take.keys()];
    const { shares, placed } = allocate(
      discount,
      idx.map((i) => m.take.get(i)! * lines[i]!.unitPrice),
      idx.map((i) => room(lines[i]!)),
    );
    const touched = idx.map((i) => lines[i]!);
    capIfShort(out, b, touched, discount, placed);
    if (placed === 0) {
      miss(out, b.promotionId, { reason: 'marginFloor', promotion: b });
      continue;
    }
    idx.forEach((i, k) => {
      const l = lines[i]!;
      l.discount += shares[k]!;
      l.promotionIds.add(b.promotionId);
      used[i]! += m.take.get(i)!;
      if (!b.stackable) l.closedBy = b;
    });
    out.applied.set(b.promotionId, {
      facts: { promotion: b, amount: placed, sets: m.sets },
      productIds: new Set(touched.map((l) => l.product.productId)),
    });
  }
  for (const b of bundles) {
    if (done.has(b.promotionId)) continue;
    const gap = bundleGap(ctx, b);
    if (!gap.overlap) continue;
    if (gap.missing > 0)
      miss(out, b.promotionId, { reason: 'incompleteBundle', promotion: b, count: gap.missing });
    else miss(out, b.promotionId, { reason: 'notStackable', promotion: b, exclusiveIds: closers(lines) });
  }
}
