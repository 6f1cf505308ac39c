import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { cholesky, invertLower } from '../linalg/cholesky';
import { gemm } from '../linalg/gemm';
import { matrix, transpose, type Matrix } from '../linalg/matrix';
import { orthonormalColumns } from '../linalg/orthonormal';
import { SymmetricEigen } from '../linalg/symmetric-eigen';
import { seededUniform } from '../random-normal';
import { sumOfNormalisedComponents } from '../pool/pool';
import { type PoolMember } from '../registry/metric';

/** NCTI's PCA dimension and the number of leading variances that set the LDA shrinkage (the paper's code). */
const PCA_COMPONENTS = 64;
const SHRINKAGE_COMPONENTS = 32;
/** Shrinkage floor: at the floor the reference switches to scikit-learn's unshrunk SVD solver. */
const SHRINKAGE_FLOOR = 1e-10;
/** scikit-learn's LinearDiscriminantAnalysis `tol` (rank threshold of the SVD solver). */
const SVD_SOLVER_TOL = 1e-4;

export interface NctiComponents {
  /** Singularity (SELI): nuclear norm of the centred LDA projection; higher = the classes span more directions. */
  seli: number;
  /** Nearest-centre classifier term: mean LDA posterior of the true class. */
  ncc: number;
  /** Within-class variability collapse term: log of the sum over classes of the nuclear norm of their posteriors (lower = more collapsed). */
  vc: number;
}

export interface NctiResult {
  components: NctiComponents;
  /** The LDA shrinkage exp(-sum of the 32 leading PCA variances), floored at 1e-10. */
  shrinkage: number;
  /** Which LDA the reference's rule picks: shrunk 'eigen', or the unshrunk 'svd' solver when the shrinkage is at its floor. */
  solver: 'eigen' | 'svd';
  /** Which PCA was used (see `NctiOptions.pca`). */
  pca: 'exact' | 'randomized';
}

export interface NctiOptions {
  /**
   * 'auto' (default) follows scikit-learn's PCA solver rule as the reference runs it: the exact PCA when
   * max(N, D) <= 500 or 64 >= 0.8 min(N, D), otherwise a randomised range finder with its iteration count (7 power
   * iterations when 64 < 0.1 min(N, D), else 4) and 10 oversamples, orthonormalised after every product (scikit-learn
   * normalises by LU; the reference passes no random_state, so its own values vary from run to run at that level).
   * 'exact' always takes the covariance eigendecomposition (free when other scores of the same `scoreAll` share it).
   */
  pca?: 'auto' | 'exact' | 'randomized';
  /** Seed of the randomised range finder's Gaussian test matrix (default 0). */
  seed?: number;
}

/** NCTI's PCA: scores Z (N x 64, centred) and the variances of its columns (N - 1 normaliser), descending. */
async function nctiPca(a: FeatureAnalysis, options: NctiOptions): Promise<{ z: Matrix; variances: Float64Array; pca: 'exact' | 'randomized' }> {
  const k = PCA_COMPONENTS;
  const small = Math.min(a.n, a.d);
  const mode = options.pca ?? 'auto';
  const randomized = mode === 'randomized' || (mode === 'auto' && Math.max(a.n, a.d) > 500 && k < 0.8 * small);
  if (!randomized) {
    const eig = await a.covarianceEigen();
    return { z: await a.pcaScores(k), variances: eig.values.slice(0, k), pca: 'exact' };
  }
  const iterations = k < 0.1 * small ? 7 : 4;
  const p = Math.min(k + 10, small);
  const xc = await a.centred();
  // X_c^T products as plain products on a transposed copy (MLAS's skinny transA GEMM is 2.5-4x slower).
  const xt = transpose(xc);
  const { normal } = seededUniform(options.seed ?? 0);
  const omega = matrix(a.d, p);
  for (let t = 0; t < omega.data.length; t++) omega.data[t] = normal();
  let q = await orthonormalColumns(await gemm(xc, omega), 1);
  for (let it = 0; it < iterations; it++) {
    const back = await orthonormalColumns(await gemm(xt, q), 1);
    q = await orthonormalColumns(await gemm(xc, back), it === iterations - 1 ? 2 : 1);
  }
  // Rayleigh-Ritz: B^T = X_c^T Q, eig(B B^T) = Uhat S^2 Uhat^T, scores Q Uhat S.
  const bt = await gemm(xt, q);
  const eig = await SymmetricEigen.of(await gemm(bt, bt, { transA: true }));
  const z = await gemm(q, await eig.vectors(k));
  const variances = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const s = Math.sqrt(Math.max(eig.values[c], 0));
    variances[c] = eig.values[c] / (a.n - 1);
    for (let i = 0; i < a.n; i++) z.data[i * k + c] *= s;
  }
  return { z, variances, pca: 'randomized' };
}

/** Sum of the singular values of a matrix given its Gram matrix G = A^T A (sqrt of G's eigenvalues; round-off negatives to 0). */
async function nuclearFromGram(g: Matrix): Promise<number> {
  const eig = await SymmetricEigen.of(g);
  let s = 0;
  for (const v of eig.values) s += Math.sqrt(Math.max(v, 0));
  return s;
}

/** (1 - s) S + s (tr S / k) I: the shrunk covariance of scikit-learn's `_cov(X, shrinkage)`. */
function shrink(cov: Float64Array, k: number, s: number): Float64Array {
  let tr = 0;
  for (let j = 0; j < k; j++) tr += cov[j * k + j];
  const out = cov.map((v) => (1 - s) * v);
  for (let j = 0; j < k; j++) out[j * k + j] += (s * tr) / k;
  return out;
}

/**
 * NCTI's three per-model terms (Wang et al., ICCV 2023), before the pool normalisation.
 *
 * @param features N x D, finite, min(N, D) >= 64.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns the components {seli, ncc, vc}, the LDA shrinkage and solver.
 * @throws MetricInputError `too_few_dimensions` when min(N, D) < 64 (the reference's PCA raises).
 *
 * **Definition** (the paper's three terms as the official code computes them). Z = PCA_64(X) (exact;
 * variances lambda_1 >= ... with the N - 1 normaliser). Shrinkage s = max(exp(-sum_{j<=32} lambda_j), 1e-10).
 * LDA of Z with priors pi_c = n_c / N:
 * - s > 1e-10 (scikit-learn solver 'eigen'): S_w = sum_c pi_c shrink(cov_c), S_t = shrink(cov), S_b = S_t - S_w with
 *   shrink(S) = (1 - s) S + s tr(S)/64 I and biased covariances; projection W = the C - 1 leading generalised
 *   eigenvectors of (S_b, S_w) normalised to W^T S_w W = I; posteriors softmax(z S_w^-1 mu_c - mu_c S_w^-1 mu_c / 2 + ln pi_c).
 * - s = 1e-10 (solver 'svd', no shrinkage): within-class whitening by the pooled covariance (N - C normaliser, per-feature
 *   standardised, directions with singular value <= 1e-4 dropped), then the between-class directions (weights
 *   n_c / (C - 1), relative tolerance 1e-4); posteriors as scikit-learn's.
 * seli = ||Z W - mean||_* (nuclear norm), ncc = (1/N) sum_i p(y_i | z_i), vc = ln sum_c ||P_c||_* with P_c the posterior
 * rows of class c. The pool score is minmax(ncc) + minmax(seli) - minmax(vc) (see `nctiPoolScores`).
 *
 * **Reference behaviour.** The official code (BUserName/NCTI `metrics.NCTI_Score`, MIT) uses scikit-learn's PCA, whose
 * 'auto' solver is randomised when max(N, D) > 500 and 64 < 0.8 min(N, D) (unseeded there); we follow the same rule
 * (`options.pca`, see `NctiOptions`) with a seeded range finder, so on large inputs ours and the reference's differ by
 * that approximation, as two runs of the reference do. The golden cases all take the exact PCA: 1e-9. The SELI term depends only on the LDA subspace's metric, so signs and rotations
 * of the PCA basis do not matter. Cost: the shared covariance eigendecomposition and 64-column PCA scores, then
 * O(N 64^2).
 *
 * **References.** Z. Wang, Y. Luo, L. Zheng, Z. Huang, M. Baktashmotlagh, "How Far Pre-trained Models Are from Neural
 * Collapse on the Target Dataset Informs their Transferability", ICCV 2023.
 * https://openaccess.thecvf.com/content/ICCV2023/papers/Wang_How_Far_Pre-trained_Models_Are_from_Neural_Collapse_on_the_ICCV_2023_paper.pdf
 *
 * @example
 * // golden case scale_x1: { seli: 56.2495734852..., ncc: 0.8467735823968..., vc: 3.6071641923... }
 * const { components } = await ncti(features, labels);
 */
export async function ncti(features: Matrix, labels: ArrayLike<number>, options: NctiOptions = {}): Promise<NctiResult> {
  return nctiFromAnalysis(new FeatureAnalysis(features, labels), options);
}

export async function nctiFromAnalysis(a: FeatureAnalysis, options: NctiOptions = {}): Promise<NctiResult> {
  const k = PCA_COMPONENTS;
  if (Math.min(a.n, a.d) < k) {
    throw new MetricInputError('too_few_dimensions', `NCTI projects onto ${k} principal components but min(N, D) = ${Math.min(a.n, a.d)}`);
  }
  const { z, variances, pca } = await nctiPca(a, options);
  let lead = 0;
  for (let j = 0; j < SHRINKAGE_COMPONENTS; j++) lead += variances[j];
  const shrinkage = Math.max(Math.exp(-lead), SHRINKAGE_FLOOR);
  const solver = shrinkage === SHRINKAGE_FLOOR ? 'svd' : 'eigen';
  const { n } = a;
  const C = a.labels.classes;
  const y = a.labels.labels;
  const counts = a.labels.counts;
  const priors = Float64Array.from(counts, (c) => c / n);

  // Class means, overall mean (priors-weighted: equal to the plain mean) and the per-class scatters of Z.
  const means = new Float64Array(C * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) means[y[i] * k + j] += z.data[i * k + j];
  for (let c = 0; c < C; c++) for (let j = 0; j < k; j++) means[c * k + j] /= counts[c];
  const xbar = new Float64Array(k);
  for (let c = 0; c < C; c++) for (let j = 0; j < k; j++) xbar[j] += priors[c] * means[c * k + j];
  const within = matrix(n, k);
  const centred = matrix(n, k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      within.data[i * k + j] = z.data[i * k + j] - means[y[i] * k + j];
      centred.data[i * k + j] = z.data[i * k + j] - xbar[j];
    }
  }
  const totalScatter = await gemm(centred, centred, { transA: true });

  // decision(z) = z coef^T + intercept (C x k, C); projection W (k x m).
  let coef: Float64Array;
  let intercept: Float64Array;
  let w: Matrix;
  if (solver === 'eigen') {
    const sw = new Float64Array(k * k);
    for (let c = 0; c < C; c++) {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (y[i] === c) rows.push(i);
      const xc = matrix(rows.length, k);
      rows.forEach((r, t) => xc.data.set(within.data.subarray(r * k, (r + 1) * k), t * k));
      const sc = await gemm(xc, xc, { transA: true });
      const shrunk = shrink(sc.data.map((v) => v / rows.length), k, shrinkage);
      for (let t = 0; t < k * k; t++) sw[t] += priors[c] * shrunk[t];
    }
    const st = shrink(totalScatter.data.map((v) => v / n), k, shrinkage);
    const sb = st.map((v, t) => v - sw[t]);
    // Generalised symmetric eigenproblem via S_w = L L^T: eig(L^-1 S_b L^-T), W = L^-T U.
    const li = invertLower(cholesky(matrix(k, k, sw)));
    const m1 = await gemm(li, matrix(k, k, sb));
    const m = await gemm(m1, li, { transB: true });
    const sym = matrix(k, k, m.data.map((v, t) => 0.5 * (v + m.data[(t % k) * k + Math.floor(t / k)])));
    const u = await (await SymmetricEigen.of(sym)).vectors(Math.min(C - 1, k));
    w = await gemm(li, u, { transA: true });
    // S_w^-1 mu_c = L^-T L^-1 mu_c.
    const mu = matrix(C, k, means);
    const t1 = await gemm(mu, li, { transB: true });
    coef = (await gemm(t1, li)).data;
    intercept = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let q = 0;
      for (let j = 0; j < k; j++) q += means[c * k + j] * coef[c * k + j];
      intercept[c] = -0.5 * q + Math.log(priors[c]);
    }
  } else {
    ({ coef, intercept, w } = await svdSolverLda(within, means, xbar, priors, n, C, k));
  }

  // seli: singular values of the centred projection, from W^T (Z_c^T Z_c) W.
  const tw = await gemm(totalScatter, w);
  const seli = await nuclearFromGram(await gemm(w, tw, { transA: true }));

  const logits = await gemm(z, matrix(C, k, coef), { transB: true });
  const probs = logits.data;
  let ncc = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) {
      probs[o + c] += intercept[c];
      if (probs[o + c] > mx) mx = probs[o + c];
    }
    let s = 0;
    for (let c = 0; c < C; c++) {
      probs[o + c] = Math.exp(probs[o + c] - mx);
      s += probs[o + c];
    }
    for (let c = 0; c < C; c++) probs[o + c] /= s;
    ncc += probs[o + y[i]];
  }
  ncc /= n;
  // vc: per class, the nuclear norm of its posterior rows (via their C x C Gram).
  const grams = new Float64Array(C * C * C);
  for (let i = 0; i < n; i++) {
    const o = i * C;
    const g = y[i] * C * C;
    for (let p = 0; p < C; p++) for (let q = 0; q < C; q++) grams[g + p * C + q] += probs[o + p] * probs[o + q];
  }
  let nuclear = 0;
  for (let c = 0; c < C; c++) nuclear += await nuclearFromGram(matrix(C, C, grams.slice(c * C * C, (c + 1) * C * C)));
  return { components: { seli, ncc, vc: Math.log(nuclear) }, shrinkage, solver, pca };
}

/** scikit-learn's LDA solver 'svd' (no shrinkage), through k x k eigenproblems instead of the N x k SVDs. */
async function svdSolverLda(
  within: Matrix,
  means: Float64Array,
  xbar: Float64Array,
  priors: Float64Array,
  n: number,
  C: number,
  k: number,
): Promise<{ coef: Float64Array; intercept: Float64Array; w: Matrix }> {
  // Per-feature standard deviation of the within-class residuals (ddof 0; 0 -> 1).
  const std = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) std[j] += within.data[i * k + j] ** 2;
  for (let j = 0; j < k; j++) {
    std[j] = Math.sqrt(std[j] / n);
    if (std[j] === 0) std[j] = 1;
  }
  // Singular values/vectors of sqrt(1/(N-C)) Xc / std from the eigen-decomposition of its Gram.
  const scaled = matrix(n, k, within.data.map((v, t) => v / std[t % k]));
  const g1 = await gemm(scaled, scaled, { transA: true });
  const e1 = await SymmetricEigen.of(matrix(k, k, g1.data.map((v) => v / (n - C))));
  let r1 = 0;
  while (r1 < k && Math.sqrt(Math.max(e1.values[r1], 0)) > SVD_SOLVER_TOL) r1++;
  const v1 = await e1.vectors(r1);
  // scalings1 = diag(1/std) V_r diag(1/S_r), k x r1
  const s1 = matrix(k, r1);
  for (let j = 0; j < k; j++) for (let r = 0; r < r1; r++) s1.data[j * r1 + r] = v1.data[j * r1 + r] / std[j] / Math.sqrt(e1.values[r]);
  // Between-class rows sqrt(n_c / (C - 1)) (mu_c - xbar), projected.
  const fac = 1 / (C - 1);
  const between = matrix(C, k);
  for (let c = 0; c < C; c++) {
    const wgt = Math.sqrt(n * priors[c] * fac);
    for (let j = 0; j < k; j++) between.data[c * k + j] = wgt * (means[c * k + j] - xbar[j]);
  }
  const xb = await gemm(between, s1);
  const e2 = await SymmetricEigen.of(await gemm(xb, xb, { transA: true }));
  const top = Math.sqrt(Math.max(e2.values[0], 0));
  let r2 = 0;
  while (r2 < Math.min(r1, C) && Math.sqrt(Math.max(e2.values[r2], 0)) > SVD_SOLVER_TOL * top) r2++;
  const scalings = await gemm(s1, await e2.vectors(r2));
  // transform keeps min(C - 1, k) columns of the scalings.
  const m = Math.min(r2, C - 1, k);
  const w = matrix(k, m);
  for (let j = 0; j < k; j++) w.data.set(scalings.data.subarray(j * r2, j * r2 + m), j * m);
  const dev = matrix(C, k, means.map((v, t) => v - xbar[t % k]));
  const cm = await gemm(dev, scalings);
  const intercept = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let q = 0;
    for (let r = 0; r < r2; r++) q += cm.data[c * r2 + r] ** 2;
    intercept[c] = -0.5 * q + Math.log(priors[c]);
  }
  const coef = (await gemm(cm, scalings, { transB: true })).data;
  for (let c = 0; c < C; c++) {
    let q = 0;
    for (let j = 0; j < k; j++) q += xbar[j] * coef[c * k + j];
    intercept[c] -= q;
  }
  return { coef, intercept, w };
}

/**
 * NCTI's pool combination: minmax(ncc) + minmax(seli) - minmax(vc) over the models of one pool (each in [0, 1]; a
 * component without spread contributes 0). In [-1, 2]; higher = more transferable.
 */
export function nctiPoolScores(members: readonly PoolMember[]): number[] {
  return sumOfNormalisedComponents(members, { seli: 1, ncc: 1, vc: -1 });
}
