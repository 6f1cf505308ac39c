import { FeatureAnalysis } from '../analysis';
import { ledoitWolfShrinkage } from '../linalg/ledoit-wolf';
import { type Matrix } from '../linalg/matrix';
import { NUMPY_PINV_RCOND } from '../linalg/pinv';

export interface RegHScoreResult {
  value: number;
  /** Ledoit-Wolf shrinkage alpha in [0, 1]. */
  shrinkage: number;
}

/**
 * Regularised H-score (Ibrahim et al. 2022), reference variant `regularized_h_score`: H-score with the Ledoit-Wolf
 * shrunk covariance.
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns the score (higher = more transferable), in [0, (C - 1) N / (N - 1)] (the biased/unbiased covariance mix of the
 * reference: as the shrinkage goes to 0 it is N / (N - 1) times the H-score), and the shrinkage used.
 * @throws MetricInputError for bad shapes, non-finite features or bad labels.
 *
 * **Definition.** With centred features, S = X_c^T X_c / N (biased), mu = tr(S)/D and alpha the Ledoit-Wolf shrinkage
 * (scikit-learn's `LedoitWolf`), cov_alpha = (1 - alpha) S + alpha mu I and
 * H_alpha = tr(pinv(cov_alpha) (1 - alpha) cov(E[f | y])), cov(E[f | y]) as in the H-score (unbiased, N - 1).
 * In the covariance eigenbasis (eigenvalues lambda_i of the unbiased covariance, p_c = V^T (mu_c - mu)):
 * H_alpha = (1 - alpha) / (N - 1) sum_c n_c sum_i p_ci^2 / ((1 - alpha) lambda_i (N - 1) / N + alpha mu).
 *
 * **References.** S. Ibrahim, N. Ponomareva, R. Mazumder, "Newer is not always better: Rethinking transferability
 * metrics, their peculiarities, stability and performance", ECML-PKDD 2022. https://openreview.net/pdf?id=iz_Wwmfquno
 *
 * @example
 * // golden case binary_well_separated: 0.9323075404358454 (shrinkage 0.062030752886166315)
 * const { value } = await regHScore(features, labels);
 */
export async function regHScore(features: Matrix, labels: ArrayLike<number>): Promise<RegHScoreResult> {
  return regHScoreFromAnalysis(new FeatureAnalysis(features, labels));
}

export async function regHScoreFromAnalysis(a: FeatureAnalysis): Promise<RegHScoreResult> {
  const { shrinkage, mu } = ledoitWolfShrinkage(await a.centred(), await a.scatter());
  const eig = await a.covarianceEigen();
  const p = await a.classMeanDeviationsInCovarianceBasis();
  const C = a.labels.classes;
  const biased = (a.n - 1) / a.n;
  const shrunk = eig.values.map((l) => (1 - shrinkage) * l * biased + shrinkage * mu);
  let maxAbs = 0;
  for (const v of shrunk) maxAbs = Math.max(maxAbs, Math.abs(v));
  const cutoff = NUMPY_PINV_RCOND * maxAbs;
  let value = 0;
  for (let i = 0; i < eig.n; i++) {
    if (!(Math.abs(shrunk[i]) > cutoff)) continue;
    let s = 0;
    for (let c = 0; c < C; c++) s += a.labels.counts[c] * p.data[i * C + c] * p.data[i * C + c];
    value += s / shrunk[i];
  }
  return { value: ((1 - shrinkage) * value) / (a.n - 1), shrinkage };
}
