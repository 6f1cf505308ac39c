import { cholesky, invertLower } from './cholesky';
import { gemm } from './gemm';
import { matrix, type Matrix } from './matrix';
import { mahalanobisSquared, mixtureSamples, type MixtureSamples, weightedScatters } from './mixture-kernels';

export interface GaussianMixtureOptions {
  nComponents: number;
  /** Added to the covariance diagonals (sklearn default 1e-6). */
  regCovar?: number;
  /** Convergence threshold on the change of the mean log-likelihood (sklearn default 1e-3). */
  tol?: number;
  maxIter?: number;
  /** Hard initial assignment (e.g. k-means labels), values in [0, nComponents). */
  initLabels: Int32Array;
  /** Largest per-batch operand in doubles (memory bound; the result does not depend on it). Default 8e6. */
  batchElements?: number;
}

export interface GaussianMixtureFit {
  weights: Float64Array;
  /** K x d. */
  means: Matrix;
  /** K upper-triangular d x d factors P_k with precision_k = P_k P_k^T (sklearn's precisions_cholesky_). */
  precisionCholesky: Matrix[];
  converged: boolean;
  nIter: number;
  /** Mean log-likelihood per sample at the last iteration (sklearn's lower_bound_). */
  lowerBound: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Default largest batched operand (doubles) built at once: bounds memory at ~64 MiB per operand. */
const BATCH_ELEMENTS = 8_000_000;

interface MixtureEstimate {
  nk: Float64Array;
  means: Matrix;
  precisionCholesky: Matrix[];
}

/** Weights (unnormalised nk), means and precision Cholesky factors from responsibilities (sklearn's M-step). */
async function estimate(samples: MixtureSamples, resp: Matrix, regCovar: number, batchElements: number): Promise<MixtureEstimate> {
  const { n, d } = samples;
  const K = resp.cols;
  const nk = new Float64Array(K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) nk[k] += resp.data[i * K + k];
  // 10 eps keeps empty components from dividing by zero, exactly as sklearn does.
  for (let k = 0; k < K; k++) nk[k] += 10 * Number.EPSILON;
  const sums = await gemm(resp, matrix(n, d, samples.x), { transA: true });
  const means = matrix(K, d, new Float64Array(K * d));
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means.data[k * d + j] = sums.data[k * d + j] / nk[k];
  const precisionCholesky: Matrix[] = [];
  // Covariances sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / nk, a batch of components per ORT call.
  const perBatch = componentsPerBatch(n, d, K, batchElements);
  for (let k0 = 0; k0 < K; k0 += perBatch) {
    const kb = Math.min(perBatch, K - k0);
    const weights = matrix(kb, n);
    for (let b = 0; b < kb; b++) for (let i = 0; i < n; i++) weights.data[b * n + i] = resp.data[i * K + k0 + b];
    const covs = await weightedScatters(samples, matrix(kb, d, means.data.slice(k0 * d, (k0 + kb) * d)), weights);
    for (let b = 0; b < kb; b++) precisionCholesky.push(precisionFactor(covs.subarray(b * d * d, (b + 1) * d * d), nk[k0 + b], d, regCovar));
  }
  return { nk, means, precisionCholesky };
}

/**
 * The M-step from a hard assignment (the initialisation's one-hot responsibilities): each component's sums run over
 * its own members only, O(N d^2) in all instead of O(K N d^2); the zero responsibilities of the other samples add
 * exact zeros in scikit-learn's dense products, so the result is the same quantity.
 */
async function estimateFromLabels(x: Matrix, labels: Int32Array, K: number, regCovar: number): Promise<MixtureEstimate> {
  const { rows: n, cols: d } = x;
  const members: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]].push(i);
  const nk = new Float64Array(K);
  const means = matrix(K, d);
  const precisionCholesky: Matrix[] = [];
  for (let k = 0; k < K; k++) {
    const rows = members[k];
    nk[k] = rows.length + 10 * Number.EPSILON;
    const sub = matrix(rows.length, d);
    rows.forEach((i, r) => sub.data.set(x.data.subarray(i * d, (i + 1) * d), r * d));
    const mean = means.data.subarray(k * d, (k + 1) * d);
    for (let r = 0; r < rows.length; r++) for (let j = 0; j < d; j++) mean[j] += sub.data[r * d + j];
    for (let j = 0; j < d; j++) mean[j] /= nk[k];
    // An empty component's covariance is the zero matrix (plus reg_covar), as sklearn's dense sums give.
    const cov = rows.length > 0 ? await weightedScatters(mixtureSamples(sub), matrix(1, d, Float64Array.from(mean)), matrix(1, rows.length, new Float64Array(rows.length).fill(1))) : new Float64Array(d * d);
    precisionCholesky.push(precisionFactor(cov, nk[k], d, regCovar));
  }
  return { nk, means, precisionCholesky };
}

/** sklearn's precisions_cholesky_ from a scatter: P = (L^{-1})^T with L L^T = scatter / nk + reg_covar I (upper triangular). */
function precisionFactor(scatter: Float64Array, nk: number, d: number, regCovar: number): Matrix {
  const cov = matrix(d, d, Float64Array.from(scatter));
  for (let a = 0; a < d * d; a++) cov.data[a] /= nk;
  for (let j = 0; j < d; j++) cov.data[j * d + j] += regCovar;
  const linv = invertLower(cholesky(cov));
  const P = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) P[i * d + j] = linv.data[j * d + i];
  return matrix(d, d, P);
}

/** Components per onnxruntime call: each call holds two b x N x d intermediates, bounded by `batchElements` doubles. */
function componentsPerBatch(n: number, d: number, K: number, batchElements: number): number {
  return Math.max(1, Math.min(K, Math.floor(batchElements / (n * d))));
}

/**
 * Per-sample log of weight_k N(x | mu_k, Sigma_k) (N x K), sklearn's `_estimate_weighted_log_prob` for 'full':
 * log N = -0.5 (d log 2 pi + ||P_k^T (x - mu_k)||^2) + sum log diag(P_k), evaluated as x P_k - mu_k P_k.
 */
async function weightedLogProb(
  samples: MixtureSamples,
  fit: Pick<GaussianMixtureFit, 'weights' | 'means' | 'precisionCholesky'>,
  batchElements: number,
): Promise<Matrix> {
  const { n, d } = samples;
  const K = fit.weights.length;
  const out = new Float64Array(n * K);
  const perBatch = componentsPerBatch(n, d, K, batchElements);
  for (let k0 = 0; k0 < K; k0 += perBatch) {
    const kb = Math.min(perBatch, K - k0);
    const factors = new Float64Array(kb * d * d);
    for (let b = 0; b < kb; b++) factors.set(fit.precisionCholesky[k0 + b].data, b * d * d);
    const q = await mahalanobisSquared(samples, factors, matrix(kb, d, fit.means.data.slice(k0 * d, (k0 + kb) * d)));
    for (let b = 0; b < kb; b++) {
      const k = k0 + b;
      const P = fit.precisionCholesky[k].data;
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += Math.log(P[j * d + j]);
      const constant = -0.5 * d * LOG_2PI + logDet + Math.log(fit.weights[k]);
      for (let i = 0; i < n; i++) out[i * K + k] = constant - 0.5 * q.data[b * n + i];
    }
  }
  return matrix(n, K, out);
}

/** Normalises weighted log-probabilities row-wise: returns log responsibilities and the per-row log-sum-exp. */
function logResponsibilities(w: Matrix): { logResp: Matrix; logNorm: Float64Array } {
  const n = w.rows;
  const K = w.cols;
  const logNorm = new Float64Array(n);
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) mx = Math.max(mx, w.data[i * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(w.data[i * K + k] - mx);
    const lse = mx + Math.log(s);
    logNorm[i] = lse;
    for (let k = 0; k < K; k++) out[i * K + k] = w.data[i * K + k] - lse;
  }
  return { logResp: matrix(n, K, out), logNorm };
}

/**
 * Full-covariance Gaussian mixture fitted by EM, reproducing scikit-learn 1.2's GaussianMixture
 * (covariance_type='full', n_init=1) from a given hard initial assignment:
 * init: responsibilities = one-hot(initLabels), weights = nk / N;
 * loop (at most maxIter): E-step (log responsibilities, mean log-likelihood), M-step (weights = nk / sum nk),
 * stop when |lower bound change| < tol. Complexity O(iter K N d^2).
 *
 * References: A. Dempster, N. Laird, D. Rubin, "Maximum likelihood from incomplete data via the EM algorithm" (1977);
 * scikit-learn `sklearn/mixture/_gaussian_mixture.py`.
 */
export async function fitGaussianMixture(x: Matrix, options: GaussianMixtureOptions): Promise<GaussianMixtureFit> {
  const n = x.rows;
  const K = options.nComponents;
  const regCovar = options.regCovar ?? 1e-6;
  const tol = options.tol ?? 1e-3;
  const maxIter = options.maxIter ?? 100;
  if (options.initLabels.length !== n) throw new RangeError(`fitGaussianMixture: initLabels has ${options.initLabels.length} entries, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const l = options.initLabels[i];
    if (!Number.isInteger(l) || l < 0 || l >= K) throw new RangeError(`fitGaussianMixture: initLabels[${i}] = ${l} outside [0, ${K})`);
  }
  const batch = options.batchElements ?? BATCH_ELEMENTS;
  const samples = mixtureSamples(x);
  let est = await estimateFromLabels(x, options.initLabels, K, regCovar);
  let weights = est.nk.map((v) => v / n);
  let lowerBound = -Infinity;
  let converged = false;
  let nIter = 0;
  for (nIter = 1; nIter <= maxIter; nIter++) {
    const prev = lowerBound;
    const w = await weightedLogProb(samples, { weights, means: est.means, precisionCholesky: est.precisionCholesky }, batch);
    const { logResp, logNorm } = logResponsibilities(w);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += logNorm[i];
    lowerBound = mean / n;
    const resp = matrix(n, K, logResp.data.map(Math.exp));
    est = await estimate(samples, resp, regCovar, batch);
    let total = 0;
    for (const v of est.nk) total += v;
    weights = est.nk.map((v) => v / total);
    if (Math.abs(lowerBound - prev) < tol) {
      converged = true;
      break;
    }
  }
  return {
    weights,
    means: est.means,
    precisionCholesky: est.precisionCholesky,
    converged,
    nIter: Math.min(nIter, maxIter),
    lowerBound,
  };
}

/** Posterior component probabilities (N x K) under a fitted mixture (sklearn's predict_proba). */
export async function mixturePosteriors(x: Matrix, fit: GaussianMixtureFit, batchElements = BATCH_ELEMENTS): Promise<Matrix> {
  const { logResp } = logResponsibilities(await weightedLogProb(mixtureSamples(x), fit, batchElements));
  return matrix(logResp.rows, logResp.cols, logResp.data.map(Math.exp));
}
