import { type Alternative, type NanPolicy, checkAlternative, pairedSample } from './input';
import { normalCdf, normalSf } from './special-functions';
import { sortCountingInversions, sortPairs } from './sorting';

/** How the p-value of Kendall's tau is computed (scipy's `method`). */
export type KendallMethod = 'auto' | 'exact' | 'asymptotic';

export interface KendallTauOptions {
  /** `'auto'` (default): exact when there are no ties and (n <= 33 or min(D, P - D) <= 1), else asymptotic. */
  readonly method?: KendallMethod;
  /** Default `'two-sided'`. */
  readonly alternative?: Alternative;
  /** Default `'raise'`; see {@link NanPolicy}. */
  readonly nanPolicy?: NanPolicy;
}

export interface KendallTauResult {
  /** Tau-b in [-1, 1]; NaN when x or y is constant (no untied pair) or a NaN propagated. */
  readonly statistic: number;
  /** P-value of the test of no association; NaN where the statistic is NaN. */
  readonly pValue: number;
}

/** Pair counts behind tau-b, exposed for the grouped and bootstrap variants and for tests. */
export interface KendallCounts {
  readonly n: number;
  /** Discordant pairs D: (x_i - x_j)(y_i - y_j) < 0. */
  readonly discordant: number;
  /** Pairs tied in x (whatever y), tied in y, tied in both. */
  readonly tiedX: number;
  readonly tiedY: number;
  readonly tiedBoth: number;
  /** Σ t(t-1)(t-2) and Σ t(t-1)(2t+5) over tie groups of x (resp. y), for the variance. */
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/**
 * Σ t(t-1)/2, Σ t(t-1)(t-2) and Σ t(t-1)(2t+5) over the runs of equal values (size t) of an ascending array: the tied
 * pairs and the two tie terms of tau-b's variance (the `tiedX`, `x0`, `x1` of KendallCounts).
 */
export function kendallTieSums(sorted: Float64Array): { ties: number; v0: number; v1: number } {
  let ties = 0;
  let v0 = 0;
  let v1 = 0;
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[start]) {
      const t = i - start;
      if (t > 1) {
        ties += (t * (t - 1)) / 2;
        v0 += t * (t - 1) * (t - 2);
        v1 += t * (t - 1) * (2 * t + 5);
      }
      start = i;
    }
  }
  return { ties, v0, v1 };
}

/**
 * Discordant, tied-in-x, tied-in-y and jointly tied pair counts of finite paired samples, by Knight's
 * algorithm: sort by (x, y), then count the strict inversions of y with a merge sort. O(n log n) time, O(n)
 * memory. Counts are exact integers up to 2^53 (n up to ~1.3e8).
 */
export function kendallCounts(x: Float64Array, y: Float64Array): KendallCounts {
  const n = x.length;
  const { a: xs, b: ys } = sortPairs(x, y, false);
  // Joint ties are runs of equal (x, y) in the lexicographic order.
  let tiedBoth = 0;
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || xs[i] !== xs[start] || ys[i] !== ys[start]) {
      const t = i - start;
      tiedBoth += (t * (t - 1)) / 2;
      start = i;
    }
  }
  const tx = kendallTieSums(xs);
  // Within a run of equal x the y values are ascending, so every strict inversion is a discordant pair.
  const discordant = sortCountingInversions(ys);
  const ty = kendallTieSums(ys);
  return {
    n,
    discordant,
    tiedX: tx.ties,
    tiedY: ty.ties,
    tiedBoth,
    x0: tx.v0,
    x1: tx.v1,
    y0: ty.v0,
    y1: ty.v1,
  };
}

/** k! as the nearest double for k = 0..170 (exact BigInt products, one rounding each), built once. */
const FACTORIALS: number[] = (() => {
  const table: number[] = [];
  let f = 1n;
  for (let k = 0; k <= 170; k++) {
    if (k > 1) f *= BigInt(k);
    table.push(Number(f));
  }
  return table;
})();

/** n! as the nearest double; Infinity above 170 (callers use it only for n < 171). */
function factorial(n: number): number {
  return n <= 170 ? FACTORIALS[n] : Infinity;
}

/** Largest n for which the exact null distribution is computed by recursion (beyond c <= 1). */
const MAX_EXACT_N = 1000;

/**
 * Exact p-value of Kendall's statistic without ties: the number of permutations of n with c concordant
 * pairs follows Kendall's recurrence (generating function Π_j (1 + q + ... + q^{j-1})); the lower tail up to
 * min(c, P - c) is accumulated by repeated cumulative sums, as in scipy's `_kendall_p_exact`.
 */
export function kendallExactPValue(n: number, concordant: number, alternative: Alternative = 'two-sided'): number {
  checkAlternative(alternative, 'kendallExactPValue');
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`kendallExactPValue: n must be an integer >= 1, got ${n}`);
  const total = (n * (n - 1)) / 2;
  if (!Number.isInteger(concordant) || concordant < 0 || concordant > total) {
    throw new RangeError(`kendallExactPValue: concordant must be an integer in [0, ${total}], got ${concordant}`);
  }
  if (n > MAX_EXACT_N && Math.min(concordant, total - concordant) > 1) {
    // The recursion costs O(n · min(C, D)) = O(n³) operations: refuse rather than hang.
    throw new RangeError(`kendallExactPValue: the exact distribution is limited to n <= ${MAX_EXACT_N} (use the asymptotic method), got n = ${n}`);
  }
  const inRightTail = concordant >= total - concordant;
  const c = Math.min(concordant, total - concordant);
  let prob: number;
  let massAtC = 0;
  if (n <= 2) {
    prob = 1;
    massAtC = n === 1 ? 1 : 0.5;
  } else if (c === 0) {
    prob = n < 171 ? 2 / factorial(n) : 0;
    massAtC = prob / 2;
  } else if (c === 1) {
    prob = n < 172 ? 2 / factorial(n - 1) : 0;
    massAtC = n < 171 ? (n - 1) / factorial(n) : 0;
  } else if (4 * c === n * (n - 1) && alternative === 'two-sided') {
    prob = 1;
  } else {
    // counts[k] = number (or, for n >= 171, fraction) of permutations of j elements with k inversions, k <= c.
    const normalise = n >= 171;
    const counts = new Float64Array(c + 1);
    counts[0] = 1;
    counts[1] = 1;
    for (let j = 3; j <= n; j++) {
      for (let k = 1; k <= c; k++) counts[k] += counts[k - 1];
      if (normalise) for (let k = 0; k <= c; k++) counts[k] /= j;
      // Subtract the shifted (pre-update) sums; descending k reads counts[k - j] before it changes.
      if (j <= c) for (let k = c; k >= j; k--) counts[k] -= counts[k - j];
    }
    let sum = 0;
    for (let k = 0; k <= c; k++) sum += counts[k];
    if (normalise) {
      prob = sum;
      massAtC = counts[c] / 2;
    } else {
      const nFact = factorial(n);
      prob = (2 * sum) / nFact;
      massAtC = counts[c] / nFact;
    }
  }
  if (alternative !== 'two-sided') {
    prob = inRightTail === (alternative === 'greater') ? prob / 2 : 1 - prob / 2 + massAtC;
  }
  return Math.min(1, Math.max(0, prob));
}

/**
 * Kendall's tau-b rank correlation and the p-value of the test of no association, equal to
 * `scipy.stats.kendalltau(x, y)` (scipy 1.10, `variant='b'`, `method='auto'`).
 *
 * @param x - length n >= 2, finite numbers (see `nanPolicy`).
 * @param y - length n, paired with `x`.
 * @param options - `method` (default `'auto'`), `alternative` (default `'two-sided'`), `nanPolicy`
 *   (default `'raise'`).
 * @returns `{ statistic, pValue }`; both NaN when x or y is constant (every pair tied, tau undefined) or when a
 *   NaN propagates under `nanPolicy: 'propagate'`.
 * @throws RangeError on length mismatch, fewer than 2 pairs, non-finite values (with `'raise'`), an unknown
 *   option, or `method: 'exact'` with ties or with n > 1000 (its cost grows as n³).
 *
 * **Definition.** Over the P = n(n-1)/2 pairs, let C and D be the concordant and discordant pairs,
 * T_x (T_y) the pairs tied in x (in y) and T_xy those tied in both. Then
 * tau_b = (C - D) / sqrt((P - T_x)(P - T_y)), with C - D = P - T_x - T_y + T_xy - 2D, clamped to [-1, 1]
 * against round-off. P-value: without ties and with n <= 33 or min(D, P - D) <= 1 (`'auto'`), the exact null
 * distribution of C over the n! equally likely permutations; otherwise z = (C - D) / sqrt(var) with the
 * tie-corrected variance var = (v0 - v_x - v_y)/18 + 2 T_x T_y / m + x0 y0 / (9 m (n-2)), m = n(n-1),
 * v0 = m(2n+5), v_x = Σ t(t-1)(2t+5), x0 = Σ t(t-1)(t-2) over tie groups of size t, and a normal tail.
 * Complexity: O(n log n) (Knight's merge-sort algorithm); the exact p-value costs O(n · min(C, D)).
 *
 * **References.** M. G. Kendall, "The treatment of ties in ranking problems", Biometrika 33(3):239-251, 1945.
 * W. R. Knight, "A computer method for calculating Kendall's tau with ungrouped data", JASA 61(314):436-439,
 * 1966. M. G. Kendall, Rank Correlation Methods, 4th ed., Griffin, 1970 (exact distribution and variance).
 * scipy.stats.kendalltau, https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.kendalltau.html
 *
 * @example
 * kendallTauB([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
 * // { statistic: 0.7378647873726218, pValue: 0.07697417298126685 } (scipy: ...674)
 */
export function kendallTauB(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: KendallTauOptions = {},
): KendallTauResult {
  const { method = 'auto', alternative = 'two-sided', nanPolicy = 'raise' } = options;
  checkAlternative(alternative, 'kendallTauB');
  if (method !== 'auto' && method !== 'exact' && method !== 'asymptotic') {
    throw new RangeError(`kendallTauB: method must be 'auto', 'exact' or 'asymptotic', got ${String(method)}`);
  }
  const sample = pairedSample(x, y, 'kendallTauB', nanPolicy);
  if (sample.hasNaN) return { statistic: NaN, pValue: NaN };
  return kendallTauFromCounts(kendallCounts(sample.x, sample.y), method, alternative);
}

/** Tau-b and its p-value from pair counts (the second half of {@link kendallTauB}). */
export function kendallTauFromCounts(
  counts: KendallCounts,
  method: KendallMethod = 'auto',
  alternative: Alternative = 'two-sided',
): KendallTauResult {
  const { n, discordant, tiedX, tiedY, tiedBoth, x0, x1, y0, y1 } = counts;
  const total = (n * (n - 1)) / 2;
  if (tiedX === total || tiedY === total) return { statistic: NaN, pValue: NaN };
  const conMinusDis = total - tiedX - tiedY + tiedBoth - 2 * discordant;
  // Same operation order as scipy, so the statistic agrees to the last bit on small inputs.
  const tau = Math.min(1, Math.max(-1, conMinusDis / Math.sqrt(total - tiedX) / Math.sqrt(total - tiedY)));
  const hasTies = tiedX !== 0 || tiedY !== 0;
  if (method === 'exact' && hasTies) {
    throw new RangeError('kendallTauB: ties found, the exact method cannot be used (use auto or asymptotic)');
  }
  const exact =
    method === 'exact' ||
    (method === 'auto' && !hasTies && (n <= 33 || Math.min(discordant, total - discordant) <= 1));
  let pValue: number;
  if (exact) {
    pValue = kendallExactPValue(n, total - discordant, alternative);
  } else {
    const m = n * (n - 1);
    const variance = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * tiedX * tiedY) / m + (x0 * y0) / (9 * m * (n - 2));
    const z = conMinusDis / Math.sqrt(variance);
    if (alternative === 'two-sided') pValue = 2 * normalSf(Math.abs(z));
    else if (alternative === 'greater') pValue = normalSf(z);
    else pValue = normalCdf(z);
  }
  return { statistic: tau, pValue };
}
