import { byPriority, couponOff, exclusiveFirst, isActive, type Of } from '../rules.ts';
import { orderDiscount } from './order-discount.ts';
import { allowedFor, type Context, closers, miss, net, type Outcome, type Switch } from './work.ts';

/**
 * Stage 4: the coupons the shopper entered (minimum spend, per-user limit and budget from the
 * server), on the amounts as they stood when the stage began; an exclusive coupon is the only one.
 */
export function couponStage(ctx: Context, on: Switch, out: Outcome) {
  const { shopper } = ctx.input;
  const usable: Of<'coupon'>[] = [];
  for (const code of ctx.codes) {
    const all = ctx.all
      .filter((p): p is Of<'coupon'> => p.kind === 'coupon' && p.code === code)
      .sort(byPriority);
    if (all.length === 0) {
      miss(out, `code:${code}`, { reason: 'unknownCode', code });
      continue;
    }
    // One code may name several offers (say, one for a segment, one for everyone): the shopper's first.
    const p =
      all.find((c) => isActive(c, ctx.nowMs) && allowedFor(shopper, c)) ??
      all.find((c) => isActive(c, ctx.nowMs));
    if (p === undefined) {
      const first = all[0]!;
      const reason = ctx.nowMs < Date.parse(first.validFrom) ? 'notStarted' : 'expired';
      miss(out, first.promotionId, { reason, promotion: first, code });
      continue;
    }
    if (!on(p)) continue; // switched off in this combination: reported as notStackable
    const id = p.promotionId;
    if (!ctx.signedIn) miss(out, id, { reason: 'signInRequired', promotion: p, code });
    else if (!allowedFor(shopper, p)) miss(out, id, { reason: 'segmentOnly', promotion: p, code });
    else if ((shopper.couponUses?.[id] ?? 0) >= p.perUserLimit)
      miss(out, id, { reason: 'perUserLimitReached', promotion: p, code, count: p.perUserLimit });
    else if ((shopper.couponBudgetUsed?.[id] ?? 0) >= p.totalBudgetUses)
      miss(out, id, { reason: 'budgetExhausted', promotion: p, code });
    else if (!usable.includes(p)) usable.push(p);
  }
  usable.sort(exclusiveFirst);
  const lines = out.lines;
  const snapshot = lines.map(net);
  for (const c of usable) {
    const open = lines.flatMap((l, i) => (l.closedBy === null ? [i] : []));
    if (open.length === 0) {
      miss(out, c.promotionId, {
        reason: 'notStackable',
        promotion: c,
        code: c.code,
        exclusiveIds: closers(lines),
      });
      continue;
    }
    let base = 0;
    for (const i of open) base += snapshot[i]!;
    const off = couponOff(c.discount, base);
    if (base < c.minSpend || off === 0) {
      const needed = Math.max(c.minSpend, base + 1);
      miss(out, c.promotionId, { reason: 'belowMinSpend', promotion: c, code: c.code, needed, have: base });
      continue;
    }
    orderDiscount(out, c, open, snapshot, off, { promotion: c, amount: 0, base });
  }
}
