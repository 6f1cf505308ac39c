import { type Alternative, type NanPolicy, checkAlternative, pairedSample } from './input';
import { type CorrelationResult } from './pearson';
import { averageRanks } from './rankdata';
import { studentTSf } from './special-functions';

export interface SpearmanOptions {
  /** Default `'two-sided'`. */
  readonly alternative?: Alternative;
  /** Default `'raise'`; see {@link NanPolicy}. */
  readonly nanPolicy?: NanPolicy;
}

/**
 * Spearman's rank correlation and the p-value of the test of no association, equal to
 * `scipy.stats.spearmanr(x, y)` (scipy 1.10).
 *
 * @param x - length n >= 2, finite numbers (see `nanPolicy`).
 * @param y - length n, paired with `x`.
 * @param options - `alternative` (default `'two-sided'`), `nanPolicy` (default `'raise'`).
 * @returns `{ statistic, pValue }`; both NaN when x or y is constant. For n = 2 the p-value is NaN (the
 *   t statistic has 0 degrees of freedom), as in scipy.
 * @throws RangeError on length mismatch, fewer than 2 pairs, non-finite values (with `'raise'`).
 *
 * **Definition.** rho is Pearson's correlation of the average ranks (ties get the mean of the ranks they
 * span), evaluated as np.corrcoef does: c_xy / n-1 divided by the two standard deviations, clamped to
 * [-1, 1]. P-value from t = rho √((n-2) / ((1 + rho)(1 - rho))) with n - 2 degrees of freedom (Student's t;
 * t = ±∞ and p = 0 when |rho| = 1).
 *
 * **References.** C. Spearman, "The proof and measurement of association between two things", Am. J.
 * Psychol. 15(1):72-101, 1904. D. Zwillinger, S. Kokoska, CRC Standard Probability and Statistics Tables and
 * Formulae, 2000, §14.7. scipy.stats.spearmanr,
 * https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.spearmanr.html
 *
 * @example
 * spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
 * // { statistic: 0.8207826816681233, pValue: 0.0885870053135442 }
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>, options: SpearmanOptions = {}): CorrelationResult {
  const { alternative = 'two-sided', nanPolicy = 'raise' } = options;
  checkAlternative(alternative, 'spearman');
  const sample = pairedSample(x, y, 'spearman', nanPolicy);
  if (sample.hasNaN) return { statistic: NaN, pValue: NaN };
  const n = sample.x.length;
  if (sample.x.every((v) => v === sample.x[0]) || sample.y.every((v) => v === sample.y[0])) {
    return { statistic: NaN, pValue: NaN };
  }
  const rx = averageRanks(sample.x);
  const ry = averageRanks(sample.y);
  // Average ranks always sum to n(n+1)/2, so the means are exact; so are the deviations (halves) and, for
  // n < ~2e5, their products' sums. The divisions follow np.corrcoef's order so rho matches it to the bit.
  const centre = (n + 1) / 2;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i] - centre;
    const dy = ry[i] - centre;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const inv = 1 / (n - 1);
  let rho = (sxy * inv) / Math.sqrt(syy * inv) / Math.sqrt(sxx * inv);
  rho = Math.min(1, Math.max(-1, rho));
  const dof = n - 2;
  if (dof === 0) return { statistic: rho, pValue: NaN };
  const denominator = (rho + 1) * (1 - rho);
  const t = denominator === 0 ? rho * Infinity : rho * Math.sqrt(Math.max(0, dof / denominator));
  let pValue: number;
  if (alternative === 'two-sided') pValue = 2 * studentTSf(Math.abs(t), dof);
  else if (alternative === 'greater') pValue = studentTSf(t, dof);
  else pValue = studentTSf(-t, dof);
  return { statistic: rho, pValue };
}
