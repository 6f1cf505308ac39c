import { FeatureAnalysis } from '../analysis';
import { type Matrix } from '../linalg/matrix';
import { NUMPY_PINV_RCOND } from '../linalg/pinv';

export interface HScoreResult {
  value: number;
  /** Number of covariance eigenvalues above numpy's pinv cutoff (1e-15 * largest). */
  pinvRank: number;
}


/**
 * H-score (Bao et al. 2019), reference variant `h_score` (tllib / the study's scorer).
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns the H-score, in [0, C - 1] up to round-off (higher = more transferable), and the pseudo-inverse rank.
 * @throws MetricInputError for bad shapes, non-finite features or bad labels.
 *
 * **Definition.** H = tr(pinv(cov(f)) cov(E[f | y])), where cov is the unbiased covariance (np.cov) of the features and
 * cov(E[f | y]) = sum_c n_c (mu_c - mu)(mu_c - mu)^T / (N - 1) is the covariance of each sample replaced by its class mean.
 * pinv keeps the eigenvalues |lambda_i| > 1e-15 max |lambda| (numpy's `rcond=1e-15`). With cov = V diag(lambda) V^T and
 * p_c = V^T (mu_c - mu): H = sum_c n_c / (N - 1) sum_{i kept} p_ci^2 / lambda_i. When D > N the rank-deficient covariance
 * makes the value depend on which round-off eigenvalues clear the cutoff (the reference gives C - 1 then).
 *
 * **References.** Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir, L. Guibas, "An Information-Theoretic
 * Approach to Transferability in Task Transfer Learning", ICIP 2019. https://doi.org/10.1109/ICIP.2019.8803726
 *
 * @example
 * // Well separated binary classes (golden case binary_well_separated): 0.9431925988880554
 * const { value } = await hscore(features, labels);
 */
export async function hscore(features: Matrix, labels: ArrayLike<number>): Promise<HScoreResult> {
  return hscoreFromAnalysis(new FeatureAnalysis(features, labels));
}

export async function hscoreFromAnalysis(a: FeatureAnalysis): Promise<HScoreResult> {
  const eig = await a.covarianceEigen();
  const p = await a.classMeanDeviationsInCovarianceBasis();
  const C = a.labels.classes;
  let maxAbs = 0;
  for (const v of eig.values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const cutoff = NUMPY_PINV_RCOND * maxAbs;
  let value = 0;
  let pinvRank = 0;
  for (let i = 0; i < eig.n; i++) {
    const lambda = eig.values[i];
    if (!(Math.abs(lambda) > cutoff)) continue;
    pinvRank++;
    let s = 0;
    for (let c = 0; c < C; c++) s += a.labels.counts[c] * p.data[i * C + c] * p.data[i * C + c];
    value += s / lambda;
  }
  return { value: value / (a.n - 1), pinvRank };
}
