/**
 * The few distributions the experiment results need, in double precision, with no dependency:
 * the normal and chi-square survival functions both come from the regularized upper incomplete
 * gamma function Q(a, x) (the normal's through erfc(x) = Q(1/2, x^2)), and Fisher's exact test
 * from hypergeometric probabilities via ln Gamma. About 150 lines, checked in the tests against
 * published values (scipy/R) to far more than 4 decimals.
 *
 * Why not a library: simple-statistics has no chi-square or hypergeometric distribution and its
 * normal CDF is a table lookup rounded to z in hundredths (not 4-decimal p-values); jStat covers
 * all three but ships no types and comes as one large module, whole in every bundle; the per-function @stdlib packages
 * are exact but each pulls a dozen more packages into every Lambda bundle that imports results.
 */

/** The 97.5th percentile of the standard normal: a 95% two-sided interval is +/- this. */
export const Z_95 = 1.959963984540054;

const LANCZOS_G = 7;
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 0.000009984369578019572, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

/**
 * The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a): by its
 * series below x = a + 1 and by its continued fraction (modified Lentz) above, as in Numerical
 * Recipes' gammq; each converges fast on its side.
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    // P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * front);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, front * h);
}

/** P(Z > z) for a standard normal Z; exact in the tails (no 1 - cdf cancellation). */
export function normalSf(z: number): number {
  const q = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? q : 1 - q;
}

export const normalCdf = (z: number): number => normalSf(-z);

/** P(|Z| > |z|): the two-sided p-value of a z statistic. */
export const twoSidedP = (z: number): number => gammaQ(0.5, (z * z) / 2);

/** P(X > x) for X chi-square with df degrees of freedom. */
export const chiSquareSf = (x: number, df: number): number => gammaQ(df / 2, x / 2);

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` out of `n`: the set of p a score test does not reject;
 * unlike p +/- z se it stays inside [0, 1] and keeps its coverage at small n and rates near 0.
 * No trials: the whole of [0, 1].
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface ZTest {
  z: number;
  pValue: number;
}

/**
 * Two-sided two-proportion z-test with the pooled rate under H0: p1 = p2 (what R's
 * prop.test(correct = FALSE) computes; its X-squared is z^2). Positive z: the second rate is higher.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTest {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (x2 / n2 - x1 / n1) / se;
  return { z, pValue: twoSidedP(z) };
}

const lnChoose = (n: number, k: number) => lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);

/**
 * Fisher's exact test, two-sided, of the 2x2 table [[a, b], [c, d]]: the probability, with the
 * margins fixed, of every table no more likely than the one observed (R's fisher.test rule,
 * including its 1e-7 relative tolerance for ties in probability).
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const row2 = n - row1;
  const lo = Math.max(0, col1 - row2);
  const hi = Math.min(row1, col1);
  const lnDenominator = lnChoose(n, col1);
  const prob = (x: number) => Math.exp(lnChoose(row1, x) + lnChoose(row2, col1 - x) - lnDenominator);
  const observed = prob(a);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const px = prob(x);
    if (px <= observed * (1 + 1e-7)) p += px;
  }
  return Math.min(1, p);
}

export interface ChiSquareTest {
  chiSquare: number;
  df: number;
  pValue: number;
}

/** Chi-square goodness of fit of counts against expected shares (normalised to sum to 1). */
export function chiSquareGoodnessOfFit(
  observed: readonly number[],
  shares: readonly number[],
): ChiSquareTest {
  const n = observed.reduce((s, x) => s + x, 0);
  const totalShare = shares.reduce((s, x) => s + x, 0);
  let chiSquare = 0;
  observed.forEach((o, i) => {
    const expected = (n * shares[i]!) / totalShare;
    if (expected > 0) chiSquare += (o - expected) ** 2 / expected;
  });
  const df = Math.max(1, observed.length - 1);
  return { chiSquare, df, pValue: n > 0 ? chiSquareSf(chiSquare, df) : 1 };
}

/** Pearson's chi-square test of independence of a k x m contingency table (no continuity correction). */
export function chiSquareIndependence(table: readonly (readonly number[])[]): ChiSquareTest {
  const rows = table.map((r) => r.reduce((s, x) => s + x, 0));
  const cols = table[0]!.map((_, j) => table.reduce((s, r) => s + r[j]!, 0));
  const n = rows.reduce((s, x) => s + x, 0);
  let chiSquare = 0;
  table.forEach((r, i) => {
    r.forEach((o, j) => {
      const expected = (rows[i]! * cols[j]!) / n;
      if (expected > 0) chiSquare += (o - expected) ** 2 / expected;
    });
  });
  const df = (rows.length - 1) * (cols.length - 1);
  return { chiSquare, df, pValue: chiSquareSf(chiSquare, df) };
}
