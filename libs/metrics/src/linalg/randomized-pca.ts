import { gemm } from './gemm';
import { matrix, subtractRow, columnMeans, type Matrix } from './matrix';
import { LegacyRandomState } from './mt19937';
import { SymmetricEigen } from './symmetric-eigen';

export interface RandomizedPcaOptions {
  /** numpy RandomState seed of the Gaussian test matrix (scikit-learn's `random_state`). */
  seed: number;
  /** Power iterations (`iterated_power`); with <= 2 scikit-learn applies no normaliser between products. */
  iterations: number;
  /** Extra test vectors (`n_oversamples`, scikit-learn's default 10). */
  oversamples?: number;
}

function identity(m: number): Matrix {
  const out = matrix(m, m);
  for (let i = 0; i < m; i++) out.data[i * m + i] = 1;
  return out;
}

/**
 * Thin Q (m x p, orthonormal columns spanning those of y) by Householder QR, O(m p^2). Householder rather than
 * Cholesky-QR: after the unnormalised power iteration the columns of y are nearly parallel (condition ~ (s_1/s_p)^3).
 */
function thinQ(y: Matrix): Matrix {
  const { rows: m, cols: p } = y;
  const a = Float64Array.from(y.data);
  const vs: Float64Array[] = [];
  const betas = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[i * p + j] * a[i * p + j];
    norm = Math.sqrt(norm);
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = a[i * p + j];
    const alpha = a[j * p + j] >= 0 ? -norm : norm;
    v[0] -= alpha;
    let vv = 0;
    for (const t of v) vv += t * t;
    betas[j] = vv > 0 ? 2 / vv : 0;
    vs.push(v);
    for (let c = j; c < p; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i - j] * a[i * p + c];
      s *= betas[j];
      for (let i = j; i < m; i++) a[i * p + c] -= s * v[i - j];
    }
  }
  // Q = H_0 H_1 ... H_{p-1} [I_p; 0], applied from the last reflector.
  const q = new Float64Array(m * p);
  for (let j = 0; j < p; j++) q[j * p + j] = 1;
  for (let j = p - 1; j >= 0; j--) {
    const v = vs[j];
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i - j] * q[i * p + c];
      s *= betas[j];
      if (s !== 0) for (let i = j; i < m; i++) q[i * p + c] -= s * v[i - j];
    }
  }
  return matrix(m, p, q);
}

/**
 * The k leading principal-component scores of x (N x k) as scikit-learn's
 * `PCA(n_components=k, svd_solver='randomized', random_state=seed, iterated_power=q).fit_transform(x)` computes them
 * (scikit-learn 1.2 `randomized_svd`): centre; with A = X_c (or A = X_c^T when N < D, sklearn's `transpose='auto'`),
 * draw the Gaussian test matrix Omega (A's columns x (k + p)) from numpy's RandomState(seed), Y = A (A^T A)^q Omega,
 * Q = orth(Y), B = Q^T A, and the SVD of the small B; the scores are U_k S_k of that approximate SVD, each column's sign
 * chosen so its entry of largest magnitude is positive (`svd_flip`). The small SVD comes from the eigendecomposition of
 * B B^T ((k + p) x (k + p)); the scores only depend on span(Y), not on the orthonormal basis chosen for it.
 * Cost O(N D (k + p) (2 q + 2)) in GEMMs plus O(max(N, D) (k + p)^2).
 */
export async function randomizedPcaScores(x: Matrix, k: number, o: RandomizedPcaOptions): Promise<Matrix> {
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) {
    throw new RangeError(`randomizedPcaScores: k must be an integer in [1, min(N, D) = ${Math.min(n, d)}], got ${k}`);
  }
  const p = k + (o.oversamples ?? 10);
  const xc = subtractRow(x, columnMeans(x));
  const transposed = n < d;
  // A = X_c (N x D) or X_c^T (D x N); products with A and A^T are GEMMs on X_c with the right transposition.
  const aCols = transposed ? n : d;
  const rng = new LegacyRandomState(o.seed);
  let y = matrix(aCols, p, rng.normals(aCols * p));
  const timesA = (m: Matrix): Promise<Matrix> => gemm(xc, m, { transA: transposed });
  const timesAT = (m: Matrix): Promise<Matrix> => gemm(xc, m, { transA: !transposed });
  for (let it = 0; it < o.iterations; it++) y = await timesAT(await timesA(y));
  const aRows = transposed ? d : n;
  // With no more rows than test vectors LAPACK's economic QR spans all of R^aRows: any orthonormal basis will do.
  const q = aRows <= p ? identity(aRows) : thinQ(await timesA(y));
  // B^T = A^T Q (aCols x p); B B^T = (A^T Q)^T (A^T Q).
  const bt = await timesAT(q);
  const eig = await SymmetricEigen.of(await gemm(bt, bt, { transA: true }));
  const uhat = await eig.vectors(k);
  let scores: Matrix;
  if (transposed) {
    // The N-side singular vectors are the right ones of B: V_k S_k = B^T Uhat_k.
    scores = await gemm(bt, uhat);
  } else {
    scores = await gemm(q, uhat);
    for (let c = 0; c < k; c++) {
      const s = Math.sqrt(Math.max(eig.values[c], 0));
      for (let i = 0; i < n; i++) scores.data[i * k + c] *= s;
    }
  }
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(scores.data[i * k + c]) > Math.abs(scores.data[best * k + c])) best = i;
    if (scores.data[best * k + c] < 0) for (let i = 0; i < n; i++) scores.data[i * k + c] = -scores.data[i * k + c];
  }
  return scores;
}
