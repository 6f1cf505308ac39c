import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { gemm } from '../linalg/gemm';
import { matrix, type Matrix } from '../linalg/matrix';
import { sumOfNormalisedComponents } from '../pool/pool';
import { type PoolMember } from '../registry/metric';

export interface EtranOptions {
  /** Fraction of samples, those with the lowest log-sum-exp, the energy score averages (default 0.005, the official 0.5 %). */
  energyFraction?: number;
}

export interface EtranComponents {
  /** Energy score S_en: mean log-sum-exp of the features over the lowest-scoring fraction of samples (higher = more in-distribution). */
  energy: number;
  /** Classification score S_cls: mean posterior of the true class under the class-mean Gaussian classifier. */
  lda: number;
  /** Regression score S_reg: minus the mean squared residual of the least-squares fit of the one-hot labels. */
  svd: number;
}

export interface EtranResult {
  components: EtranComponents;
  /** Samples the energy score averages: max(1, floor(N * energyFraction)). */
  energySamples: number;
}

/** The combination weights of the three normalised parts; the published default sums them. */
export type EtranWeights = Readonly<Partial<Record<keyof EtranComponents, number>>>;

/**
 * ETran's three per-model parts (Gholami et al., ICCV 2023), before the pool normalisation. Re-derived from the paper:
 * the official repository (mgholamikn/ETran) carries no licence, so none of its code is used; it was only run to
 * generate the test fixtures.
 *
 * @param features N x D, finite (penultimate features; for the energy part they are read as logits, as the paper does).
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @param options `energyFraction` (default 0.005).
 * @returns the parts {energy, lda, svd} and how many samples the energy part averages.
 * @throws MetricInputError for bad input or an energyFraction outside (0, 1].
 *
 * **Definition.**
 * - Energy (the energy-based model's free energy E(x) = -log sum_j exp f_j(x)): e_i = log sum_j exp x_ij; S_en = mean of the
 *   m = max(1, floor(N * 0.005)) smallest e_i (the highest-energy, least in-distribution samples; the official run's
 *   `Energy_Score(X, 0.5, 'bot')`, which averages floor(5 N / 1000) samples and so returns NaN for N < 200, where we
 *   use one sample).
 * - Classification (the paper's LDA-based score S_cls, as the official code estimates it): logits_ic = x_i . mu_c - ||mu_c||^2 / 2 + ln pi_c,
 *   S_cls = (1/N) sum_i softmax(logits_i)_{y_i}. The official LDA computes shrunk scatter matrices but its
 *   discriminant is means V V^T with V the orthonormal eigenvectors of eigh, i.e. the identity: what it evaluates is
 *   this class-mean (identity covariance) Gaussian classifier on the raw features, which we compute directly.
 * - Regression (the paper's SVD-based regression score S_reg): with Y the N x C one-hot labels and X^+ the pseudo-inverse
 *   (singular values <= eps max(N, D) sigma_max dropped, as numpy's lstsq), S_reg = -||X X^+ Y - Y||_F^2 / (N C).
 *   No callable official code exists for classification (the repository's regression solver is unfinished); the
 *   fixtures use numpy's lstsq.
 * The pool score (`etranPoolScores`) is sum over parts of minmax(part) across the pool: in [0, 3] by default; the
 * official classification run weights energy 0.15 and LDA 0.85 without the SVD part (`{ energy: 0.15, lda: 0.85, svd: 0 }`).
 *
 * Cost: O(N D) for energy, one N x D x C product for the classifier, and the shared uncentred-Gram eigendecomposition
 * (LogME's) for the least-squares residual.
 *
 * **References.** M. Gholami, M. Akbari, X. Wang, B. Kamranian, Y. Zhang, "ETran: Energy-Based Transferability
 * Estimation", ICCV 2023. https://arxiv.org/abs/2308.02027
 *
 * @example
 * // golden case scale_x1: { energy: 4.9087308330053965, lda: 0.563099292083025, svd: -0.0872268225493648 }
 * const { components } = await etran(features, labels);
 */
export async function etran(features: Matrix, labels: ArrayLike<number>, options: EtranOptions = {}): Promise<EtranResult> {
  return etranFromAnalysis(new FeatureAnalysis(features, labels), options);
}

export async function etranFromAnalysis(a: FeatureAnalysis, options: EtranOptions = {}): Promise<EtranResult> {
  const fraction = options.energyFraction ?? 0.005;
  if (!(fraction > 0 && fraction <= 1)) throw new MetricInputError('shape_mismatch', `etran: energyFraction must be in (0, 1], got ${fraction}`);
  const { n, d } = a;
  const C = a.labels.classes;
  const y = a.labels.labels;
  const x = a.features;

  // Energy: log-sum-exp per row, then the mean of the m smallest (selection by sort: O(N log N)).
  const lse = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let mx = -Infinity;
    for (let j = 0; j < d; j++) if (x.data[o + j] > mx) mx = x.data[o + j];
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.exp(x.data[o + j] - mx);
    lse[i] = mx + Math.log(s);
  }
  // floor(N * 5 / 1000) computed in integers for the default, so no N lands one sample off by round-off.
  const m = Math.max(1, fraction === 0.005 ? Math.floor((5 * n) / 1000) : Math.floor(n * fraction));
  const sorted = Float64Array.from(lse).sort();
  let energy = 0;
  for (let i = 0; i < m; i++) energy += sorted[i];
  energy /= m;

  // Class-mean classifier.
  const means = a.classMeans;
  const logits = await gemm(x, means, { transB: true });
  const bias = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let q = 0;
    for (let j = 0; j < d; j++) q += means.data[c * d + j] ** 2;
    bias[c] = -0.5 * q + Math.log(a.labels.counts[c] / n);
  }
  let lda = 0;
  for (let i = 0; i < n; i++) {
    const o = i * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) {
      logits.data[o + c] += bias[c];
      if (logits.data[o + c] > mx) mx = logits.data[o + c];
    }
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits.data[o + c] - mx);
    lda += Math.exp(logits.data[o + y[i]] - mx) / s;
  }
  lda /= n;

  // Least squares: ||P_X Y||^2 = sum_j (v_j^T X^T Y)^2 / sigma_j^2 over the uncentred Gram's eigenpairs
  // (X^T X = (N - 1) G, G = a.gramEigen()); X^T Y has the class sums n_c mu_c as columns.
  const gram = await a.gramEigen();
  const xty = matrix(d, C);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) xty.data[j * C + c] = a.labels.counts[c] * means.data[c * d + j];
  const proj = await gram.project(xty);
  // Eigenvalues of the Gram are accurate to ~eps lambda_max absolutely, so a singular value is only resolved down to
  // sqrt(eps) sigma_max; directions below eps max(N, D) lambda_max are the Gram's numerical null space (numpy's lstsq
  // drops sigma <= eps max(N, D) sigma_max: the same exactly-zero directions on rank-deficient inputs).
  const cutoff = Number.EPSILON * Math.max(n, d) * gram.values[0];
  let explained = 0;
  for (let r = 0; r < d; r++) {
    const lam = gram.values[r];
    if (!(lam > cutoff)) break;
    for (let c = 0; c < C; c++) explained += proj.data[r * C + c] ** 2 / (lam * (n - 1));
  }
  // ||Y||^2 = N; round-off can leave the residual a hair below 0 when Y is in the span.
  const svd = -Math.max(n - explained, 0) / (n * C);
  return { components: { energy, lda, svd }, energySamples: m };
}

/**
 * ETran's pool combination: sum over parts of weight * minmax(part) across the pool (a part without spread contributes
 * 0). Default weights 1 (the paper's sum of the three scores); `{ energy: 0.15, lda: 0.85, svd: 0 }` is the official
 * classification run. Higher = more transferable.
 */
export function etranPoolScores(members: readonly PoolMember[], weights: EtranWeights = {}): number[] {
  return sumOfNormalisedComponents(members, { energy: weights.energy ?? 1, lda: weights.lda ?? 1, svd: weights.svd ?? 1 });
}
