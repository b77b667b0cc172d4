import { exclusiveFirst, type Of, thresholdCovers, thresholdOff } from '../rules.ts';
import { orderDiscount } from './order-discount.ts';
import { type Context, closers, miss, net, type Outcome, type Switch } from './work.ts';

/**
 * Stage 3: spend thresholds (tiers, or "every X off Y" with a cap), optionally limited to
 * categories, on the amounts as they stood when the stage began; the exclusive ones go first and
 * keep their lines to themselves.
 */
export function thresholdStage(ctx: Context, on: Switch, out: Outcome) {
  const thresholds = ctx.active
    .filter((p): p is Of<'threshold'> => p.kind === 'threshold' && on(p))
    .sort(exclusiveFirst);
  const lines = out.lines;
  const snapshot = lines.map(net);
  for (const t of thresholds) {
    const scope = lines.flatMap((l, i) => (thresholdCovers(t, l.product) ? [i] : []));
    if (scope.length === 0) continue;
    const open = scope.filter((i) => lines[i]!.closedBy === null);
    if (open.length === 0) {
      const ids = closers(scope.map((i) => lines[i]!));
      miss(out, t.promotionId, { reason: 'notStackable', promotion: t, exclusiveIds: ids });
      continue;
    }
    let base = 0;
    for (const i of open) base += snapshot[i]!;
    const r = thresholdOff(t.rule, base);
    if (r.next !== null) out.next.push({ promotion: t, ...r.next });
    if (r.off === 0) {
      miss(out, t.promotionId, { reason: 'belowMinSpend', promotion: t, needed: r.needed, have: base });
      continue;
    }
    orderDiscount(out, t, open, snapshot, r.off, { promotion: t, amount: 0, base });
  }
}
