import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { gemm } from '../linalg/gemm';
import { matrix, type Matrix } from '../linalg/matrix';

export interface KnnLooOptions {
  /** Neighbours that vote (default 1). */
  k?: number;
  /** Rows per distance block; memory is ~blockRows^2 doubles for the block plus two row blocks. Default 1024. */
  blockRows?: number;
}

export interface KnnLooResult {
  /** Leave-one-out accuracy in [0, 1]. */
  value: number;
  k: number;
  /** Samples whose held-out prediction is their label. */
  correct: number;
}

/**
 * k-nearest-neighbour leave-one-out accuracy on the features: a baseline, not a transferability score of its own paper
 * (variant `euclidean-majority`).
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @param options `k` neighbours (default 1, integer in [1, N - 1]); `blockRows` (memory only, not the result).
 * @returns the fraction of samples whose k nearest other samples vote for their own label (higher = better); plain,
 *   not class-balanced, accuracy, because the quantity it stands in for, fine-tuned top-1 accuracy, is plain too.
 * @throws MetricInputError for bad input, or `too_few_samples` when k >= N.
 *
 * **Definition.** For each i, the k samples j != i with the smallest Euclidean distance |x_i - x_j| (ties: lower index)
 * vote with equal weight; the prediction is the label with most votes (ties: the smallest label, as scikit-learn's
 * mode); value = (1/N) sum_i 1[prediction_i = y_i]. Squared distances are |x_i|^2 + |x_j|^2 - 2 x_i . x_j, the inner
 * products from one GEMM per pair of row blocks (only blocks on or above the diagonal: the distance matrix is symmetric),
 * so the cost is O(N^2 D / 2) flops and O(N k + B^2) memory: N = 10000 never holds the N x N matrix.
 *
 * **Reference behaviour.** Equal to scikit-learn's `cross_val_score(KNeighborsClassifier(n_neighbors=k,
 * algorithm='brute', metric='euclidean'), X, y, cv=LeaveOneOut()).mean()` (golden fixtures, k = 1). k = 1 and the
 * Euclidean distance are our choice of the classic nearest-neighbour rule (Cover and Hart 1967); the published kNN
 * transferability estimator (Sorkhei et al., TMLR 2025) motivates the baseline but its exact k/metric protocol is not
 * reproduced here.
 *
 * **References.** M. Sorkhei, C. Matsoukas, J. Fredin Haslum, E. Konuk, K. Smith, "k-NN as a Simple and Effective
 * Estimator of Transferability", TMLR 2025. https://arxiv.org/abs/2503.18528 ; T. Cover, P. Hart, "Nearest neighbor
 * pattern classification", IEEE Trans. Inf. Theory 13(1), 1967.
 *
 * @example
 * // golden case binary_well_separated: 0.98
 * const { value } = await knnLoo(features, labels);
 */
export async function knnLoo(features: Matrix, labels: ArrayLike<number>, options: KnnLooOptions = {}): Promise<KnnLooResult> {
  return knnLooFromAnalysis(new FeatureAnalysis(features, labels), options);
}

export async function knnLooFromAnalysis(a: FeatureAnalysis, options: KnnLooOptions = {}): Promise<KnnLooResult> {
  const { n, d } = a;
  const k = options.k ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`knn_loo: k must be a positive integer, got ${k}`);
  if (k >= n) throw new MetricInputError('too_few_samples', `knn_loo with k = ${k} needs more than ${k} samples, got ${n}`);
  const block = Math.max(1, Math.min(n, Math.floor(options.blockRows ?? 1024)));
  const X = a.features.data;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] ** 2;
    norms[i] = s;
  }
  // Per row, its k best (distance, index) so far, sorted by distance then index.
  const bestDist = new Float64Array(n * k).fill(Infinity);
  const bestIdx = new Int32Array(n * k).fill(-1);
  const offer = (i: number, j: number, dist: number): void => {
    const base = i * k;
    const last = base + k - 1;
    if (dist > bestDist[last] || (dist === bestDist[last] && j > bestIdx[last])) return;
    let p = last;
    while (p > base && (bestDist[p - 1] > dist || (bestDist[p - 1] === dist && bestIdx[p - 1] > j))) {
      bestDist[p] = bestDist[p - 1];
      bestIdx[p] = bestIdx[p - 1];
      p--;
    }
    bestDist[p] = dist;
    bestIdx[p] = j;
  };
  const rowsOf = (i0: number, i1: number): Matrix => matrix(i1 - i0, d, X.slice(i0 * d, i1 * d));
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    const bi = rowsOf(i0, i1);
    for (let j0 = i0; j0 < n; j0 += block) {
      const j1 = Math.min(n, j0 + block);
      const g = await gemm(bi, j0 === i0 ? bi : rowsOf(j0, j1), { transB: true });
      const w = j1 - j0;
      for (let i = i0; i < i1; i++) {
        const row = (i - i0) * w;
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const dist = norms[i] + norms[j] - 2 * g.data[row + j - j0];
          offer(i, j, dist);
          offer(j, i, dist);
        }
      }
    }
  }
  const y = a.labels.labels;
  const votes = new Int32Array(a.labels.classes);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    for (let p = 0; p < k; p++) votes[y[bestIdx[i * k + p]]]++;
    let pred = 0;
    for (let c = 1; c < votes.length; c++) if (votes[c] > votes[pred]) pred = c;
    if (pred === y[i]) correct++;
  }
  return { value: correct / n, k, correct };
}
