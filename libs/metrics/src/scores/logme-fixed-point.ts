import { FeatureAnalysis } from '../analysis';
import { type Matrix } from '../linalg/matrix';

export interface LogMeFixedPointResult {
  value: number;
  /** Evidence per class (one-vs-rest regression targets), mean = value. */
  perClassEvidence: Float64Array;
  /** Final prior precision alpha per class. */
  alphas: Float64Array;
  /** Final noise precision beta per class. */
  betas: Float64Array;
  /** Fixed-point iterations used per class (at most 11). */
  iterations: Int32Array;
}

/** Added to the denominators of the alpha and beta updates (the official code's 1e-5). */
const EPS = 1e-5;
/** Stop when t = alpha / beta changes by at most this much, relative (the official code's 1e-3). */
const TOLERANCE = 1e-3;
const MAX_ITERATIONS = 11;
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * LogME by the fixed-point iteration (You et al., JMLR 2022): the same maximum evidence as `logme` (ICML 2021), found by
 * iterating the closed-form stationarity conditions in t = alpha / beta instead of MacKay's updates of m.
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns the mean over classes of the per-sample log evidence (higher = more transferable), with the per-class
 *   evidence, alpha, beta and iteration counts.
 * @throws MetricInputError for bad shapes, non-finite features or bad labels.
 *
 * **Definition.** For each class c, y = 1[label = c] (length N) is regressed on the features with prior
 * w ~ N(0, alpha^-1 I_D) and noise N(0, beta^-1). With the singular values sqrt(sigma_i) of F (sigma_i the eigenvalues
 * of F^T F, zero beyond the rank) and x_i = u_i^T y its left-singular coordinates, iterate from alpha = beta = 1:
 * t = alpha / beta, gamma = sum_i sigma_i / (sigma_i + t), |m|^2 = sum_i sigma_i x_i^2 / (t + sigma_i)^2,
 * |F m - y|^2 = sum_i x_i^2 / (1 + sigma_i / t)^2 + (|y|^2 - sum_i x_i^2), alpha = gamma / (|m|^2 + 1e-5),
 * beta = (N - gamma) / (|F m - y|^2 + 1e-5), at most 11 times, stopping when |alpha / beta - t| / t <= 1e-3 (JMLR Alg. 2).
 * Then (JMLR eq. for L(alpha, beta), with |m|^2 and |F m - y|^2 of the last iteration)
 * L = [D/2 log alpha + N/2 log beta - 1/2 sum_{i=1..D} log(alpha + beta sigma_i) - beta/2 |F m - y|^2 - alpha/2 |m|^2
 * - N/2 log 2 pi] / N. We evaluate it in the eigenbasis of F^T F shared with `logme` (FeatureAnalysis.gramEigen): with
 * tau = V^T F^T y, sigma_i x_i^2 = tau_i^2, so |m|^2 = sum tau_i^2 / (t + sigma_i)^2 and
 * |F m - y|^2 = |y|^2 - sum tau_i^2 (2 t + sigma_i) / (t + sigma_i)^2, which never divides by a (near-)zero sigma_i.
 *
 * **Reference behaviour.** Equal to `LogME._fit_fixed_point` of github.com/thuml/LogME (MIT) whenever F has full column
 * rank as that code counts it. When it does not (N <= D, or singular values <= 1e-10), that code sums log(alpha +
 * beta sigma_i) over the min(N, D) (resp. non-zero) singular values only while keeping D/2 log alpha, so its value is
 * ours plus (D - k)/(2N) log alpha per class; we keep the paper's log|A| over all D eigenvalues (zero ones give
 * log alpha), which is what makes it agree with `logme` (ICML algorithm) when D > N. The two algorithms agree to
 * ~1e-4 relative on the golden cases (they stop at different points of the same fixed-point iteration).
 *
 * **References.** K. You, Y. Liu, Z. Zhang, J. Wang, M. I. Jordan, M. Long, "Ranking and Tuning Pre-trained Models:
 * A New Paradigm for Exploiting Model Hubs", JMLR 23(209), 2022. https://jmlr.org/papers/v23/21-1251.html
 *
 * @example
 * // golden case binary_well_separated: 0.3328393082369639 (logme: 0.3328393053894173)
 * const { value } = await logmeFixedPoint(features, labels);
 */
export async function logmeFixedPoint(features: Matrix, labels: ArrayLike<number>): Promise<LogMeFixedPointResult> {
  return logmeFixedPointFromAnalysis(new FeatureAnalysis(features, labels));
}

export async function logmeFixedPointFromAnalysis(a: FeatureAnalysis): Promise<LogMeFixedPointResult> {
  const eig = await a.gramEigen();
  const C = a.labels.classes;
  const { n, d } = a;
  // F^T y_c = n_c mu_c: the class sums, projected on the Gram eigenbasis (O(D^2 C)).
  const sums = new Float64Array(d * C);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) sums[j * C + c] = a.classMeans.data[c * d + j] * a.labels.counts[c];
  const tau = await eig.project({ rows: d, cols: C, data: sums });
  // gramEigen() decomposes F^T F / (N - 1); |.| because round-off can leave null eigenvalues slightly negative.
  const sigma = eig.values.map((v) => Math.abs(v) * (n - 1));
  const result: LogMeFixedPointResult = {
    value: 0,
    perClassEvidence: new Float64Array(C),
    alphas: new Float64Array(C),
    betas: new Float64Array(C),
    iterations: new Int32Array(C),
  };
  const tc = new Float64Array(d);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < d; i++) tc[i] = tau.data[i * C + c];
    const r = classEvidence(sigma, tc, a.labels.counts[c], n);
    result.perClassEvidence[c] = r.evidence;
    result.alphas[c] = r.alpha;
    result.betas[c] = r.beta;
    result.iterations[c] = r.iterations;
  }
  let mean = 0;
  for (const e of result.perClassEvidence) mean += e;
  result.value = mean / C;
  return result;
}

/** One class: the fixed-point iteration in t = alpha / beta, O(D) per iteration. `yy` = |y|^2 = n_c. */
function classEvidence(
  sigma: Float64Array,
  tau: Float64Array,
  yy: number,
  n: number,
): { evidence: number; alpha: number; beta: number; iterations: number } {
  const d = sigma.length;
  let alpha = 1;
  let beta = 1;
  let m2 = 0;
  let res2 = 0;
  let iterations = 0;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const t = alpha / beta;
    let gamma = 0;
    m2 = 0;
    let explained = 0;
    for (let i = 0; i < d; i++) {
      const s = sigma[i];
      const q = t + s;
      const tau2 = tau[i] * tau[i];
      gamma += s / q;
      m2 += tau2 / (q * q);
      explained += (tau2 * (2 * t + s)) / (q * q);
    }
    res2 = yy - explained;
    alpha = gamma / (m2 + EPS);
    beta = (n - gamma) / (res2 + EPS);
    if (Math.abs(alpha / beta - t) / t <= TOLERANCE) break;
  }
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += Math.log(alpha + beta * sigma[i]);
  const evidence = (d / 2) * Math.log(alpha) + (n / 2) * Math.log(beta) - 0.5 * logDet - (beta / 2) * res2 - (alpha / 2) * m2 - (n / 2) * LOG_2PI;
  return { evidence: evidence / n, alpha, beta, iterations };
}
