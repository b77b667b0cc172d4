import type { Experiment, ExperimentResultsResponse, VariantResult } from '../../events/experiments.ts';
import { controlOf, statusOf } from './assign.ts';
import type { VariantCounts } from './attribution.ts';
import { chiSquareGoodnessOfFit, fisherExact, twoProportionZTest, wilsonInterval } from './stats.ts';

/**
 * An experiment's results: per variant the exposures, conversions, rate with its 95% Wilson
 * interval and revenue per exposure; each variant against the control with a two-sided test; a
 * sample-ratio-mismatch check; and a verdict in words.
 *
 * The test: the two-proportion z-test (pooled) when every expected cell of the 2x2 table
 * (variant x converted or not) is at least 5, the usual condition for its normal approximation;
 * otherwise Fisher's exact test, two-sided. Each variant is compared with the control at 95% with
 * no correction for multiple comparisons; with more than two variants the verdict says so.
 * Sample ratio mismatch: a chi-square goodness of fit of the exposures against the declared
 * shares, flagged at p < 0.001 (a strict threshold, as a broken split should be glaring, and the
 * check runs every time the results are read). An SRM means assignment or exposure logging is
 * broken, so the verdict leads with it.
 */

export const ALPHA = 0.05;
export const SRM_ALPHA = 0.001;
/** Below this expected count in any cell, the z-test's normal approximation is not trusted. */
export const MIN_EXPECTED_CELL = 5;

export interface Comparison {
  test: 'two-proportion z-test' | "Fisher's exact test";
  z: number | null;
  pValue: number;
  absoluteLift: number;
  relativeLift: number | null;
  significant: boolean;
  verdict: string;
}

/** The p-value as people read it: three decimals, or "< 0.001". */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  const s = p.toFixed(3);
  // 0.0496 is significant; "0.050" would read as if it were not.
  return `p = ${p < ALPHA && s === '0.050' ? p.toFixed(4) : s}`;
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(digits)}`;

/** The variant against the control: which test, its p-value, the lift, and a sentence. */
export function compare(control: VariantCounts, variant: VariantCounts, ended: boolean): Comparison | null {
  const n1 = control.exposures;
  const n2 = variant.exposures;
  if (n1 === 0 || n2 === 0) return null;
  const x1 = control.conversions;
  const x2 = variant.conversions;
  const n = n1 + n2;
  const converted = x1 + x2;
  const cells = [
    (n1 * converted) / n,
    (n1 * (n - converted)) / n,
    (n2 * converted) / n,
    (n2 * (n - converted)) / n,
  ];
  const small = cells.some((e) => e < MIN_EXPECTED_CELL);
  const { z, pValue } = small
    ? { z: null, pValue: fisherExact(x1, n1 - x1, x2, n2 - x2) }
    : twoProportionZTest(x1, n1, x2, n2);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const absoluteLift = p2 - p1;
  const relativeLift = p1 > 0 ? absoluteLift / p1 : null;
  const significant = pValue < ALPHA;
  const test = small ? "Fisher's exact test" : 'two-proportion z-test';

  const a = control.variantId;
  const b = variant.variantId;
  const by =
    relativeLift !== null
      ? `${signed(relativeLift * 100, 1)}%`
      : `${signed(absoluteLift * 100, 1)} points (${a} converted nobody)`;
  const standing =
    absoluteLift > 0
      ? `${b} is ahead of ${a} by ${by}`
      : absoluteLift < 0
        ? `${b} is behind ${a} by ${by}`
        : `${b} and ${a} are level`;
  const why = `(${formatP(pValue)}, ${small ? "Fisher's exact test" : 'z-test'})`;
  const conclusion = significant ? 'significant at 95%' : ended ? 'not significant' : 'not significant yet';
  return {
    test,
    z,
    pValue,
    absoluteLift,
    relativeLift,
    significant,
    verdict: `${standing} ${why}: ${conclusion}`,
  };
}

/**
 * The body of `GET /v1/experiments/{id}/results`. `counts` come from attribution, one per variant
 * (missing variants count as zero).
 */
export function experimentResults(
  e: Experiment,
  counts: readonly VariantCounts[],
  now: number,
): ExperimentResultsResponse {
  const byId = new Map(counts.map((c) => [c.variantId, c]));
  const all = e.variants.map(
    (v) => byId.get(v.variantId) ?? { variantId: v.variantId, exposures: 0, conversions: 0, revenue: 0 },
  );
  const controlId = controlOf(e);
  const control = all.find((c) => c.variantId === controlId)!;
  const totalWeight = e.variants.reduce((s, v) => s + v.weight, 0);
  const totalExposures = all.reduce((s, c) => s + c.exposures, 0);
  const status = statusOf(e, now);

  const srm = chiSquareGoodnessOfFit(
    all.map((c) => c.exposures),
    e.variants.map((v) => v.weight),
  );
  const mismatch = totalExposures > 0 && srm.pValue < SRM_ALPHA;

  const variants: VariantResult[] = all.map((c, i) => ({
    variantId: c.variantId,
    control: c.variantId === controlId,
    declaredShare: e.variants[i]!.weight / totalWeight,
    observedShare: totalExposures > 0 ? c.exposures / totalExposures : null,
    exposures: c.exposures,
    conversions: c.conversions,
    conversionRate: c.exposures > 0 ? c.conversions / c.exposures : null,
    interval95: wilsonInterval(c.conversions, c.exposures),
    revenue: c.revenue,
    revenuePerExposure: c.exposures > 0 ? c.revenue / c.exposures : null,
    comparison: c.variantId === controlId ? null : compare(control, c, status === 'ended'),
  }));

  return {
    experimentId: e.experimentId,
    title: e.title,
    status,
    asOf: new Date(now).toISOString(),
    goal: e.goal,
    windowHours: e.windowHours,
    control: controlId,
    variants,
    sampleRatio: { ...srm, mismatch },
    verdict: verdictOf(variants, controlId, { mismatch, pValue: srm.pValue }),
  };
}

function verdictOf(
  variants: readonly VariantResult[],
  controlId: string,
  srm: { mismatch: boolean; pValue: number },
): string {
  const parts: string[] = [];
  if (srm.mismatch) {
    const split = variants
      .map((v) => `${v.variantId} ${((v.observedShare ?? 0) * 100).toFixed(1)}%`)
      .join(', ');
    const declared = variants.map((v) => `${(v.declaredShare * 100).toFixed(1)}%`).join(', ');
    parts.push(
      `Sample ratio mismatch (${formatP(srm.pValue)}): exposures split ${split} against ${declared} declared; ` +
        'check assignment and exposure logging before trusting these results.',
    );
  }
  const control = variants.find((v) => v.variantId === controlId)!;
  if (variants.every((v) => v.exposures === 0)) {
    parts.push('No exposures yet.');
  } else if (control.exposures === 0) {
    parts.push(`No exposures of the control (${controlId}) yet.`);
  } else {
    const sentences = variants
      .filter((v) => !v.control)
      .map((v) => (v.comparison ? `${v.comparison.verdict}.` : `No exposures of ${v.variantId} yet.`));
    parts.push(...sentences);
    if (variants.length > 2)
      parts.push('Each variant is compared with the control at 95%, without correction.');
  }
  return parts.join(' ');
}
