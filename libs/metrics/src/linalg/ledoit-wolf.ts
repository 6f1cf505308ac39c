import { type Matrix } from './matrix';

export interface LedoitWolfResult {
  /** Shrinkage intensity in [0, 1]. */
  shrinkage: number;
  /** mu = trace(S) / D, the target's scale (S is the biased covariance X^T X / N). */
  mu: number;
}

/**
 * Ledoit-Wolf shrinkage for centred data, scikit-learn's formula (`ledoit_wolf_shrinkage`, assume_centered):
 *   S = X^T X / N,  mu = tr(S) / D,
 *   delta' = ||X^T X||_F^2 / N^2,  beta' = sum_i ||x_i||^4,
 *   beta = (beta' / N - delta') / (D N),  delta = (delta' - 2 mu tr(S) + D mu^2) / D,
 *   shrinkage = min(beta, delta) / delta  (0 when beta = 0).
 * The shrunk covariance is (1 - shrinkage) S + shrinkage mu I.
 *
 * `centred` is the N x D centred data and `scatter` its X^T X (shared with the other scores), so this is O(N D + D^2).
 * sklearn sums sum_jk (X2^T X2)_jk blockwise; that sum equals sum_i ||x_i||^4, computed here per row.
 *
 * References: O. Ledoit, M. Wolf, "A well-conditioned estimator for large-dimensional covariance matrices",
 * J. Multivariate Analysis 88 (2004).
 */
export function ledoitWolfShrinkage(centred: Matrix, scatter: Matrix): LedoitWolfResult {
  const n = centred.rows;
  const p = centred.cols;
  if (scatter.rows !== p || scatter.cols !== p) throw new RangeError(`ledoitWolfShrinkage: scatter must be ${p} x ${p}`);
  if (n === 1) return { shrinkage: 0, mu: 0 };
  let traceSum = 0;
  for (let j = 0; j < p; j++) traceSum += scatter.data[j * p + j];
  const empTraceSum = traceSum / n;
  const mu = empTraceSum / p;
  let delta_ = 0;
  for (let i = 0; i < scatter.data.length; i++) delta_ += scatter.data[i] * scatter.data[i];
  delta_ /= n * n;
  let beta_ = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * p;
    for (let j = 0; j < p; j++) s += centred.data[off + j] * centred.data[off + j];
    beta_ += s * s;
  }
  let beta = (1 / (p * n)) * (beta_ / n - delta_);
  let delta = delta_ - 2 * mu * empTraceSum + p * mu * mu;
  delta /= p;
  beta = Math.min(beta, delta);
  const shrinkage = beta === 0 ? 0 : beta / delta;
  return { shrinkage, mu };
}
