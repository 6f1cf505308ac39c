import { cholesky, invertLower } from './cholesky';
import { batchedGram, gemm } from './gemm';
import { matrix, type Matrix } from './matrix';

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

/** Weights (unnormalised nk), means and precision Cholesky factors from responsibilities (sklearn's M-step). */
async function estimate(
  x: Matrix,
  resp: Matrix,
  regCovar: number,
  batchElements: number,
): Promise<{ nk: Float64Array; means: Matrix; precisionCholesky: Matrix[] }> {
  const n = x.rows;
  const d = x.cols;
  const K = resp.cols;
  const nk = new Float64Array(K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) nk[k] += resp.data[i * K + k];
  // 10 eps keeps empty components from dividing by zero, exactly as sklearn does.
  for (let k = 0; k < K; k++) nk[k] += 10 * Number.EPSILON;
  const sums = await gemm(resp, x, { transA: true });
  const means = matrix(K, d, new Float64Array(K * d));
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) means.data[k * d + j] = sums.data[k * d + j] / nk[k];
  const precisionCholesky: Matrix[] = [];
  // Covariances sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / nk (sklearn's centred form), a batch of components per ORT call.
  const perBatch = Math.max(1, Math.min(K, Math.floor(batchElements / (n * d))));
  const work = new Float64Array(Math.min(perBatch, K) * n * d);
  for (let k0 = 0; k0 < K; k0 += perBatch) {
    const kb = Math.min(perBatch, K - k0);
    const scaled = work.subarray(0, kb * n * d);
    // sqrt(r_ik) (x_i - mu_k): its Gram is sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T (sklearn's centred form).
    for (let b = 0; b < kb; b++) {
      const k = k0 + b;
      const mu = k * d;
      for (let i = 0; i < n; i++) {
        const w = Math.sqrt(resp.data[i * K + k]);
        const xi = i * d;
        const di = (b * n + i) * d;
        for (let j = 0; j < d; j++) scaled[di + j] = w * (x.data[xi + j] - means.data[mu + j]);
      }
    }
    const covs = await batchedGram(scaled, kb, n, d);
    for (let b = 0; b < kb; b++) {
      const k = k0 + b;
      const cov = matrix(d, d, covs.slice(b * d * d, (b + 1) * d * d));
      for (let a = 0; a < d * d; a++) cov.data[a] /= nk[k];
      for (let j = 0; j < d; j++) cov.data[j * d + j] += regCovar;
      // precision_cholesky = (L^{-1})^T, upper triangular.
      const linv = invertLower(cholesky(cov));
      const P = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) P[i * d + j] = linv.data[j * d + i];
      precisionCholesky.push(matrix(d, d, P));
    }
  }
  return { nk, means, precisionCholesky };
}

/**
 * Per-sample log of weight_k N(x | mu_k, Sigma_k) (N x K), sklearn's `_estimate_weighted_log_prob` for 'full':
 * log N = -0.5 (d log 2 pi + ||P_k^T (x - mu_k)||^2) + sum log diag(P_k), evaluated as x P_k - mu_k P_k.
 */
async function weightedLogProb(
  x: Matrix,
  fit: Pick<GaussianMixtureFit, 'weights' | 'means' | 'precisionCholesky'>,
  batchElements: number,
): Promise<Matrix> {
  const n = x.rows;
  const d = x.cols;
  const K = fit.weights.length;
  const out = new Float64Array(n * K);
  // P_k is upper triangular: with x = [x1 x2] split at column h, x P_k = [x1 P11, x1 P12 + x2 P22] skips the zero
  // block P21 (a quarter of the flops). Each half is one product per batch of components: x1 [P_k[:h, :] | ...].
  const h = d >= 16 ? Math.floor(d / 2) : d;
  const t = d - h;
  const x1 = matrix(n, h);
  const x2 = matrix(n, t);
  for (let i = 0; i < n; i++) {
    x1.data.set(x.data.subarray(i * d, i * d + h), i * h);
    x2.data.set(x.data.subarray(i * d + h, (i + 1) * d), i * t);
  }
  const perBatch = Math.max(1, Math.min(K, Math.floor(batchElements / (n * d))));
  for (let k0 = 0; k0 < K; k0 += perBatch) {
    const kb = Math.min(perBatch, K - k0);
    const top = matrix(h, kb * d);
    const bottom = matrix(t, kb * t);
    for (let b = 0; b < kb; b++) {
      const P = fit.precisionCholesky[k0 + b].data;
      for (let a = 0; a < h; a++) for (let j = 0; j < d; j++) top.data[a * kb * d + b * d + j] = P[a * d + j];
      for (let a = 0; a < t; a++) for (let j = 0; j < t; j++) bottom.data[a * kb * t + b * t + j] = P[(h + a) * d + h + j];
    }
    const y1 = await gemm(x1, top);
    const y2 = t > 0 ? await gemm(x2, bottom) : matrix(n, 0);
    for (let b = 0; b < kb; b++) {
      const k = k0 + b;
      const P = fit.precisionCholesky[k];
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += Math.log(P.data[j * d + j]);
      const muP = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let a = 0; a <= j; a++) s += fit.means.data[k * d + a] * P.data[a * d + j];
        muP[j] = s;
      }
      const logW = Math.log(fit.weights[k]);
      const w1 = kb * d;
      const w2 = kb * t;
      for (let i = 0; i < n; i++) {
        let q = 0;
        const r1 = i * w1 + b * d;
        const r2 = i * w2 + b * t - h;
        for (let j = 0; j < h; j++) {
          const y = y1.data[r1 + j] - muP[j];
          q += y * y;
        }
        for (let j = h; j < d; j++) {
          const y = y1.data[r1 + j] + y2.data[r2 + j] - muP[j];
          q += y * y;
        }
        out[i * K + k] = -0.5 * (d * LOG_2PI + q) + logDet + logW;
      }
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
  const resp0 = matrix(n, K);
  for (let i = 0; i < n; i++) {
    const l = options.initLabels[i];
    if (!Number.isInteger(l) || l < 0 || l >= K) throw new RangeError(`fitGaussianMixture: initLabels[${i}] = ${l} outside [0, ${K})`);
    resp0.data[i * K + l] = 1;
  }
  const batch = options.batchElements ?? BATCH_ELEMENTS;
  let est = await estimate(x, resp0, regCovar, batch);
  let weights = est.nk.map((v) => v / n);
  let lowerBound = -Infinity;
  let converged = false;
  let nIter = 0;
  for (nIter = 1; nIter <= maxIter; nIter++) {
    const prev = lowerBound;
    const w = await weightedLogProb(x, { weights, means: est.means, precisionCholesky: est.precisionCholesky }, batch);
    const { logResp, logNorm } = logResponsibilities(w);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += logNorm[i];
    lowerBound = mean / n;
    const resp = matrix(n, K, logResp.data.map(Math.exp));
    est = await estimate(x, resp, regCovar, batch);
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
  const { logResp } = logResponsibilities(await weightedLogProb(x, fit, batchElements));
  return matrix(logResp.rows, logResp.cols, logResp.data.map(Math.exp));
}
