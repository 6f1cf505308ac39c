import { FeatureAnalysis } from '../analysis';
import { type Matrix } from '../linalg/matrix';
import { expectedEmpiricalPredictions } from './leep';
import { mean } from './leep-prob';
import { nleepMixture, type NLeepOptions, type NLeepResult } from './nleep';

export type NLeepProbResult = NLeepResult;

/**
 * N-LEEP-probability: N-LEEP's Gaussian-mixture posteriors in place of a source head, averaged without the log, as SFDA's
 * and ETran's code compute it under the name "N-LEEP" (variant `sfda-code`; `nleep` is Li et al.'s log form).
 *
 * @param features N x D, finite, N >= 5 C.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @param options as `nleep` (PCA variance fraction 0.8, 5 components per class, k-means seed or replayed `initLabels`).
 * @returns a value in [0, 1] (higher = more transferable) with N-LEEP's PCA/mixture diagnostics.
 * @throws MetricInputError when N < 5 C, or for bad input.
 *
 * **Definition.** Z = PCA_k(X) keeping 80% of the variance; a full-covariance Gaussian mixture with K = 5 C components
 * fitted by EM from k-means labels; theta(x_i) = its posteriors over the K components; then, as `leep_prob`,
 * (1/N) sum_i sum_z P(y_i | z) theta_z(x_i). The mixture is the one `nleep` fits (shared within one scoreAll call).
 *
 * **Reference behaviour.** Equal to `NLEEP(X, y)` of github.com/TencentARC/SFDA (metrics.py), whose GaussianMixture is
 * seeded by numpy's global generator: replaying its k-means labels (`initLabels`) reproduces it to 1e-9; with our seeded
 * k-means++ the value is a draw from the same initialisation distribution, as for `nleep`. ETran's `NLEEP`
 * (github.com/mgholamikn/ETran metrics.py at d4551ed) is the same computation.
 *
 * **References.** W. Shao et al., "Not All Models Are Equal: Predicting Model Transferability in a Self-challenging
 * Fisher Space", ECCV 2022. https://arxiv.org/abs/2207.03036 ; Y. Li et al., "Ranking Neural Checkpoints", CVPR 2021.
 *
 * @example
 * // golden case binary_well_separated, EM started from the reference's k-means labels: 0.9875895458467547
 * const { value } = await nleepProb(features, labels, { initLabels });
 */
export async function nleepProb(features: Matrix, labels: ArrayLike<number>, options: NLeepOptions = {}): Promise<NLeepProbResult> {
  return nleepProbFromAnalysis(new FeatureAnalysis(features, labels), options);
}

export async function nleepProbFromAnalysis(a: FeatureAnalysis, options: NLeepOptions = {}): Promise<NLeepProbResult> {
  const { posteriors, ...diagnostics } = await nleepMixture(a, options);
  return { value: mean(expectedEmpiricalPredictions(posteriors, a.labels.labels, a.labels.classes)), ...diagnostics };
}
