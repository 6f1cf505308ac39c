import { type Alternative, type NanPolicy, checkAlternative, pairedSample } from './input';
import { regularizedIncompleteBeta } from './special-functions';
import { mean } from './summation';

export interface PearsonOptions {
  /** Default `'two-sided'`. */
  readonly alternative?: Alternative;
  /** Default `'raise'`; see {@link NanPolicy}. */
  readonly nanPolicy?: NanPolicy;
}

export interface CorrelationResult {
  /** Coefficient in [-1, 1]; NaN when x or y is constant or a NaN propagated. */
  readonly statistic: number;
  /** P-value of the test of zero correlation; NaN where the statistic is NaN (see each function for n = 2). */
  readonly pValue: number;
}

function euclideanNorm(v: Float64Array): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  if (max === 0) return 0;
  // Plain sum of squares unless it could overflow or underflow; then scale by the largest magnitude.
  const scale = max > 1e150 || max < 1e-150 ? max : 1;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const t = v[i] / scale;
    s += t * t;
  }
  return Math.sqrt(s) * scale;
}

/**
 * Null distribution of r for n pairs from a bivariate normal with zero correlation: a beta distribution on
 * [-1, 1] with both shapes n/2 - 1. Returns P(R >= r) and P(R <= r) without cancellation.
 */
function pearsonTails(r: number, n: number): { upper: number; lower: number } {
  const ab = n / 2 - 1;
  // P(R >= r) = I_{(1 - r)/2}(ab, ab) by symmetry of the beta(ab, ab) density.
  const upper = regularizedIncompleteBeta(ab, ab, (1 - r) / 2, (1 + r) / 2).lower;
  const lower = regularizedIncompleteBeta(ab, ab, (1 + r) / 2, (1 - r) / 2).lower;
  return { upper, lower };
}

/**
 * Pearson's product-moment correlation and the p-value of the test of zero correlation, equal to
 * `scipy.stats.pearsonr(x, y)` (scipy 1.10).
 *
 * @param x - length n >= 2, finite numbers (see `nanPolicy`).
 * @param y - length n, paired with `x`.
 * @param options - `alternative` (default `'two-sided'`), `nanPolicy` (default `'raise'`).
 * @returns `{ statistic, pValue }`. For n = 2, r = sgn(x_2 - x_1) sgn(y_2 - y_1) and p = 1 (as scipy).
 *   Both NaN when x or y is constant (every value equal to the first). Nearly constant inputs (norm of the
 *   deviations below 1e-13 |mean|) give an inaccurate r; scipy warns there, this function does not log.
 *   With `nanPolicy: 'propagate'`, ±Infinity in the data makes r NaN (the mean is infinite).
 * @throws RangeError on length mismatch, fewer than 2 pairs, non-finite values (with `'raise'`).
 *
 * **Definition.** r = Σ (x_i - x̄)(y_i - ȳ) / (‖x - x̄‖ ‖y - ȳ‖), computed as the dot product of the two
 * normalised deviation vectors and clamped to [-1, 1] against round-off. Under H0 (independent normal pairs)
 * r ~ Beta(n/2 - 1, n/2 - 1) on [-1, 1]; two-sided p = 2 P(R >= |r|) = 2 I_{(1-|r|)/2}(n/2 - 1, n/2 - 1),
 * I the regularized incomplete beta function (equivalently the t-test of t = r √((n-2)/(1-r²))).
 *
 * **References.** K. Pearson, "Notes on regression and inheritance in the case of two parents", Proc. R. Soc.
 * London 58:240-242, 1895. R. A. Fisher, "Frequency distribution of the values of the correlation coefficient
 * in samples from an indefinitely large population", Biometrika 10(4):507-521, 1915. scipy.stats.pearsonr,
 * https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.pearsonr.html
 *
 * @example
 * pearson([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4]);
 * // { statistic: -0.7426106572325057, pValue: 0.15055580885344613 }
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, options: PearsonOptions = {}): CorrelationResult {
  const { alternative = 'two-sided', nanPolicy = 'raise' } = options;
  checkAlternative(alternative, 'pearson');
  const sample = pairedSample(x, y, 'pearson', nanPolicy);
  if (sample.hasNaN) return { statistic: NaN, pValue: NaN };
  const xs = sample.x;
  const ys = sample.y;
  const n = xs.length;
  if (xs.every((v) => v === xs[0]) || ys.every((v) => v === ys[0])) return { statistic: NaN, pValue: NaN };
  if (n === 2) return { statistic: Math.sign(xs[1] - xs[0]) * Math.sign(ys[1] - ys[0]), pValue: 1 };
  const xMean = mean(xs);
  const yMean = mean(ys);
  const xm = xs.map((v) => v - xMean);
  const ym = ys.map((v) => v - yMean);
  const xNorm = euclideanNorm(xm);
  const yNorm = euclideanNorm(ym);
  let r = 0;
  for (let i = 0; i < n; i++) r += (xm[i] / xNorm) * (ym[i] / yNorm);
  r = Math.max(Math.min(r, 1), -1);
  let pValue: number;
  if (alternative === 'two-sided') pValue = Math.min(1, 2 * pearsonTails(Math.abs(r), n).upper);
  else if (alternative === 'greater') pValue = pearsonTails(r, n).upper;
  else pValue = pearsonTails(r, n).lower;
  return { statistic: r, pValue };
}
