import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { fitGaussianMixture, mixturePosteriors } from '../linalg/gaussian-mixture';
import { kmeans } from '../linalg/kmeans';
import { type Matrix } from '../linalg/matrix';
import { leepUnchecked } from './leep';

export interface NLeepOptions {
  /** Fraction of variance the PCA keeps (0.8 in the paper and the study). */
  varianceFraction?: number;
  /** Mixture components per target class (5 in the paper). */
  componentsPerClass?: number;
  /** Seed of our k-means++ initialisation. */
  seed?: number;
  /** Start EM from these hard assignments instead of k-means (reproduces a reference run exactly). */
  initLabels?: ArrayLike<number>;
}

export interface NLeepResult {
  value: number;
  pcaComponents: number;
  mixtureComponents: number;
  converged: boolean;
  iterations: number;
  /** Mean log-likelihood at the last EM iteration. */
  lowerBound: number;
}

/**
 * N-LEEP, Gaussian LEEP (Li et al. 2021), reference variant `gaussian_log_expected_empirical_prediction`:
 * PCA keeping 80% of the variance, a full-covariance Gaussian mixture with 5 C components fitted by EM, and LEEP on
 * the mixture's posteriors in place of a source head.
 *
 * @param features N x D, finite, N >= 5 C.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns N-LEEP <= 0 (higher = more transferable) with the PCA/mixture diagnostics.
 * @throws MetricInputError when N < 5 C (fewer samples than mixture components).
 *
 * **Definition.** k = smallest number of leading principal components whose explained-variance ratios sum past 0.8
 * (sklearn's `searchsorted(cumsum, 0.8, 'right') + 1`); Z = PCA_k(X) (exact); a Gaussian mixture with K = 5 C full
 * covariances (reg_covar 1e-6, tol 1e-3 on the mean log-likelihood, max_iter 100) is initialised from k-means labels
 * and fitted by EM (scikit-learn's update rules); theta(x_i) = posterior over the K components; N-LEEP = LEEP(theta, y).
 * The reference seeds sklearn's k-means with numpy's MT19937 (random_state 42); we use our own seeded k-means++,
 * so the value is a draw from the same initialisation distribution (the golden files' `nleep_other_seeds_*` band),
 * and `initLabels` replays a given initialisation exactly.
 *
 * **References.** Y. Li, X. Jia, R. Sang, Y. Zhu, B. Green, L. Wang, B. Gong, "Ranking Neural Checkpoints", CVPR 2021.
 * https://arxiv.org/abs/2011.11200
 *
 * @example
 * // golden case binary_well_separated, EM started from the reference's k-means labels: -0.024232976764951654
 * const { value } = await nleep(features, labels, { initLabels });
 */
export async function nleep(features: Matrix, labels: ArrayLike<number>, options: NLeepOptions = {}): Promise<NLeepResult> {
  return nleepFromAnalysis(new FeatureAnalysis(features, labels), options);
}

/** Number of leading components whose variance ratios first exceed `fraction` (sklearn's rule for 0 < fraction < 1). */
export function componentsForVariance(eigenvalues: Float64Array, fraction: number): number {
  let total = 0;
  for (const v of eigenvalues) total += v;
  let cum = 0;
  let k = 0;
  for (const v of eigenvalues) {
    cum += v / total;
    if (cum <= fraction) k++;
    else break;
  }
  return Math.min(k + 1, eigenvalues.length);
}

export async function nleepFromAnalysis(a: FeatureAnalysis, options: NLeepOptions = {}): Promise<NLeepResult> {
  const { posteriors, ...diagnostics } = await nleepMixture(a, options);
  return { value: leepUnchecked(posteriors, a.labels.labels, a.labels.classes), ...diagnostics };
}

/** N-LEEP's fitted mixture: its posteriors theta(x_i) (N x K) in place of a source head, and the fit's diagnostics. */
export interface NLeepMixture extends Omit<NLeepResult, 'value'> {
  posteriors: Matrix;
}

/** Fits per analysis and options, so `nleep` and `nleep_prob` of one scoreAll call share one PCA + k-means + EM. */
const mixtures = new WeakMap<FeatureAnalysis, Map<string, Promise<NLeepMixture>>>();

/**
 * PCA to `varianceFraction` of the variance, then a full-covariance Gaussian mixture with `componentsPerClass` C
 * components, and its posteriors (the machinery of N-LEEP; see `nleep`). Memoised per FeatureAnalysis and options.
 */
export function nleepMixture(a: FeatureAnalysis, options: NLeepOptions = {}): Promise<NLeepMixture> {
  let byOptions = mixtures.get(a);
  if (!byOptions) {
    byOptions = new Map();
    mixtures.set(a, byOptions);
  }
  const key = JSON.stringify([
    options.varianceFraction ?? 0.8,
    options.componentsPerClass ?? 5,
    options.initLabels ? Array.from(options.initLabels) : (options.seed ?? 42),
  ]);
  let fit = byOptions.get(key);
  if (!fit) {
    fit = fitMixture(a, options);
    byOptions.set(key, fit);
  }
  return fit;
}

async function fitMixture(a: FeatureAnalysis, options: NLeepOptions): Promise<NLeepMixture> {
  const K = (options.componentsPerClass ?? 5) * a.labels.classes;
  if (a.n < K) throw new MetricInputError('too_few_samples', `N-LEEP fits ${K} mixture components but there are only ${a.n} samples`);
  const eig = await a.covarianceEigen();
  // sklearn's PCA sees min(N, D) singular values; beyond them the covariance eigenvalues are round-off.
  const nonNull = eig.values.subarray(0, Math.min(a.n, a.d));
  const k = componentsForVariance(nonNull, options.varianceFraction ?? 0.8);
  const z = await a.pcaScores(k);
  let init: Int32Array;
  if (options.initLabels) {
    init = Int32Array.from(options.initLabels);
  } else {
    init = (await kmeans(z, K, { seed: options.seed ?? 42 })).labels;
  }
  const fit = await fitGaussianMixture(z, { nComponents: K, initLabels: init });
  return {
    posteriors: await mixturePosteriors(z, fit),
    pcaComponents: k,
    mixtureComponents: K,
    converged: fit.converged,
    iterations: fit.nIter,
    lowerBound: fit.lowerBound,
  };
}
