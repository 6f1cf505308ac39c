import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { gemm } from '../linalg/gemm';
import { matrix, type Matrix } from '../linalg/matrix';
import { seededUniform } from '../linalg/random';
import { randomizedPcaScores } from '../linalg/randomized-pca';

export interface ParcOptions {
  /** PCA dimension f (the official README's "PARC f=32"). Default 32. */
  dimensions?: number;
  /**
   * Largest N scored in full. PARC needs all N (N - 1) / 2 pairwise distances (8 bytes each: 400 MB at N = 10 000,
   * 900 MB at 15 000); above this a class-stratified subsample of about this size is scored instead. Default 15 000
   * (the threshold of SFDA's PARC wrapper; the PARC paper itself scores fixed probe sets of 500 images).
   */
  maxSamples?: number;
  /** Seed of the subsample (only used above maxSamples). Default 0. */
  seed?: number;
}

export interface ParcResult {
  value: number;
  /** PCA dimension used. */
  dimensions: number;
  /** Samples actually scored (N unless subsampled). */
  samples: number;
}

export const PARC_DEFAULT_DIMENSIONS = 32;
export const PARC_DEFAULT_MAX_SAMPLES = 15000;
/** The official feature_reduce's randomised PCA: random_state 1919, one power iteration. */
const PCA_SEED = 1919;
const PCA_POWER_ITERATIONS = 1;
/** Rows of the pairwise-correlation block per GEMM (bounds the block to ~32 MB at N = 10 000). */
const BLOCK_ELEMENTS = 4_000_000;

/**
 * PARC, Pairwise Annotation Representation Comparison (Bolya et al. 2021), the official "PARC f=32": Spearman's
 * correlation between the feature and the label dissimilarity matrices, times 100.
 *
 * @param features N x D, finite, min(N, D) >= f (f = 32 by default).
 * @param labels length N, integers in [0, C), every class present, C >= 2, some class with >= 2 samples.
 * @param options `dimensions` f (default 32), `maxSamples` (default 15 000), `seed` of the subsample.
 * @returns PARC in [-100, 100] (higher = more transferable); NaN when a reduced, standardised feature row is constant
 *   (its correlation is undefined, as in the reference).
 * @throws MetricInputError for bad shapes, non-finite features or bad labels; `too_few_dimensions` when
 *   min(N, D) < f (the reference's scikit-learn raises); `too_few_samples` when every class has a single sample.
 *
 * **Definition.** F = PCA_f(X) by scikit-learn's randomised solver exactly as the official `feature_reduce` calls it
 * (random_state 1919, iterated_power 1, 10 oversamples; our `randomizedPcaScores` replays numpy's MT19937 stream),
 * standardised per column (z-scores, population variance, as StandardScaler). The dissimilarity of samples i and j is
 * d_F(i, j) = 1 - corr(F_i, F_j) (Pearson correlation of the two rows, np.corrcoef) and d_Y(i, j) = 1 - corr(y_i, y_j)
 * for the one-hot labels, which is 0 within a class and 1 + 1/(C - 1) across classes. Over the pairs i < j,
 * PARC = 100 * rho_Spearman(d_F, d_Y) (the paper's definition: Spearman between the upper triangles of the two
 * dissimilarity matrices). Because d_Y takes two values, rho is Pearson's correlation between the average ranks of d_F
 * and the indicator of a cross-class pair, computed from two sorted arrays (within- and cross-class pairs) merged with
 * the tie correction Var(rank) = (M^2 - 1)/12 - sum(t^3 - t)/(12 M), M = N (N - 1) / 2.
 *
 * Reference behaviour: dbolya/parc `methods.PARC(n_dims=32)`. With one-hot rows of width C the official code computes
 * d_Y with np.corrcoef, whose round-off makes identical rows correlate to 1 or to 1 - 2^-52 depending on the class when C
 * is not a power of two (C = 3: same-class d_Y is 0 for some classes and 2.2e-16 for others); Spearman then ranks those
 * round-off levels as distinct values, so the official value depends on the BLAS's summation order. We use the exact
 * two-valued d_Y; the fixtures run the official code with one-hot width the next power of two >= C, for which numpy's
 * d_Y is exact and the mathematical value is unchanged (the width only moves the cross-class constant). Fixtures
 * agree to 1e-9 relative.
 *
 * Memory and time: O(N^2) for the pairs (see `maxSamples`), O(N^2 f) for the correlations (onnxruntime GEMMs) and
 * O(N^2 log N) to sort them; the reference holds several N x N float64 matrices (corrcoef, 1 - corrcoef, the one-hot
 * correlation) plus triangle indices.
 *
 * Licence: dbolya/parc carries no licence (no LICENSE file at the commit used), so nothing is taken from it; this
 * implementation is re-derived from the paper's equations and only checked against the official code's outputs.
 *
 * **References.** D. Bolya, R. Mittapalli, J. Hoffman, "Scalable Diverse Model Selection for Accessible Transfer
 * Learning", NeurIPS 2021. https://arxiv.org/abs/2111.06977
 *
 * @example
 * // golden case binary_well_separated: 15.696737396521875
 * const { value } = await parc(features, labels);
 */
export async function parc(features: Matrix, labels: ArrayLike<number>, options: ParcOptions = {}): Promise<ParcResult> {
  return parcFromAnalysis(new FeatureAnalysis(features, labels), options);
}

/** Class-stratified subsample of about `size` rows (each class keeps its share, at least 2 when it has them). */
function stratifiedSubsample(labels: Int32Array, counts: Float64Array, size: number, seed: number): Int32Array {
  const uniform = seededUniform(seed);
  const n = labels.length;
  const byClass: number[][] = Array.from({ length: counts.length }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]].push(i);
  const chosen: number[] = [];
  for (const members of byClass) {
    const take = Math.min(members.length, Math.max(2, Math.floor((members.length * size) / n)));
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(uniform() * (members.length - i));
      [members[i], members[j]] = [members[j], members[i]];
      chosen.push(members[i]);
    }
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** Column z-scores (StandardScaler: population variance; a constant column is only centred). */
function standardiseColumns(f: Matrix): void {
  const { rows: n, cols: k } = f;
  for (let c = 0; c < k; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += f.data[i * k + c];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (f.data[i * k + c] - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    const scale = sd > 0 ? sd : 1;
    for (let i = 0; i < n; i++) f.data[i * k + c] = (f.data[i * k + c] - mean) / scale;
  }
}

/** Rows centred and scaled to unit length, so that their dot products are np.corrcoef's correlations; false if a row is constant. */
function correlationRows(f: Matrix): boolean {
  const { rows: n, cols: k } = f;
  for (let i = 0; i < n; i++) {
    const row = f.data.subarray(i * k, (i + 1) * k);
    let mean = 0;
    for (let c = 0; c < k; c++) mean += row[c];
    mean /= k;
    let ss = 0;
    for (let c = 0; c < k; c++) {
      row[c] -= mean;
      ss += row[c] * row[c];
    }
    if (!(ss > 0)) return false;
    const norm = Math.sqrt(ss);
    for (let c = 0; c < k; c++) row[c] /= norm;
  }
  return true;
}

/**
 * Spearman's rho between the values of two groups of pairs and the group indicator (within = 0, across = 1): Pearson's
 * correlation of average ranks with a binary variable. Both arrays are sorted in place.
 */
export function spearmanWithIndicator(within: Float64Array, across: Float64Array): number {
  within.sort();
  across.sort();
  const m = within.length + across.length;
  let i = 0;
  let j = 0;
  let position = 0;
  // Sum of the (average) ranks of the cross-class pairs: half-integers below 2^52, so exact.
  let acrossRankSum = 0;
  let ties = 0;
  while (i < within.length || j < across.length) {
    const v = j >= across.length || (i < within.length && within[i] <= across[j]) ? within[i] : across[j];
    let a = 0;
    while (i < within.length && within[i] === v) {
      i++;
      a++;
    }
    let b = 0;
    while (j < across.length && across[j] === v) {
      j++;
      b++;
    }
    const t = a + b;
    acrossRankSum += b * (position + (t + 1) / 2);
    if (t > 1) ties += t * t * t - t;
    position += t;
  }
  const n1 = across.length;
  const covariance = (acrossRankSum - (n1 * (m + 1)) / 2) / m;
  const rankVariance = (m * m - 1) / 12 - ties / (12 * m);
  const p = n1 / m;
  return covariance / Math.sqrt(rankVariance * p * (1 - p));
}

export async function parcFromAnalysis(a: FeatureAnalysis, options: ParcOptions = {}): Promise<ParcResult> {
  const maxSamples = options.maxSamples ?? PARC_DEFAULT_MAX_SAMPLES;
  if (!(maxSamples >= 2) || !Number.isInteger(maxSamples)) throw new RangeError(`parc: maxSamples must be an integer >= 2, got ${maxSamples}`);
  let x = a.features;
  let labels = a.labels.labels;
  if (a.n > maxSamples) {
    const rows = stratifiedSubsample(labels, a.labels.counts, maxSamples, options.seed ?? 0);
    const sub = matrix(rows.length, a.d);
    rows.forEach((r, i) => sub.data.set(a.features.data.subarray(r * a.d, (r + 1) * a.d), i * a.d));
    x = sub;
    labels = Int32Array.from(rows, (r) => labels[r]);
  }
  const n = x.rows;
  // The official feature_reduce caps f at N; scikit-learn then refuses f > min(N, D).
  const f = Math.min(options.dimensions ?? PARC_DEFAULT_DIMENSIONS, n);
  if (f > x.cols) {
    throw new MetricInputError('too_few_dimensions', `PARC reduces the features to ${f} principal components but D = ${x.cols}`);
  }
  const counts = new Float64Array(a.labels.classes);
  for (const y of labels) counts[y]++;
  let withinPairs = 0;
  for (const c of counts) withinPairs += (c * (c - 1)) / 2;
  if (withinPairs === 0) throw new MetricInputError('too_few_samples', 'PARC needs a class with at least two samples');
  const reduced = await randomizedPcaScores(x, f, { seed: PCA_SEED, iterations: PCA_POWER_ITERATIONS });
  standardiseColumns(reduced);
  if (!correlationRows(reduced)) return { value: NaN, dimensions: f, samples: n };

  const within = new Float64Array(withinPairs);
  const across = new Float64Array((n * (n - 1)) / 2 - withinPairs);
  let wi = 0;
  let ai = 0;
  const blockRows = Math.max(1, Math.floor(BLOCK_ELEMENTS / n));
  for (let i0 = 0; i0 < n; i0 += blockRows) {
    const i1 = Math.min(n, i0 + blockRows);
    // Correlations of rows i0..i1-1 with rows i0..n-1 (the upper triangle and a little of the lower).
    const block = matrix(i1 - i0, f, reduced.data.subarray(i0 * f, i1 * f));
    const tail = matrix(n - i0, f, reduced.data.subarray(i0 * f));
    const corr = await gemm(block, tail, { transB: true });
    const width = n - i0;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * width - i0;
      const yi = labels[i];
      for (let j = i + 1; j < n; j++) {
        // np.corrcoef clips to [-1, 1]; the dissimilarity is 1 - r as in the reference (same rounding of 1 - r).
        const r = corr.data[row + j];
        const dissimilarity = 1 - (r > 1 ? 1 : r < -1 ? -1 : r);
        if (labels[j] === yi) within[wi++] = dissimilarity;
        else across[ai++] = dissimilarity;
      }
    }
  }
  return { value: 100 * spearmanWithIndicator(within, across), dimensions: f, samples: n };
}
