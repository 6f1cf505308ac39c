import { FeatureAnalysis } from '../analysis';
import { type Matrix } from '../linalg/matrix';

export interface LogMeResult {
  value: number;
  /** Evidence per class (one-vs-rest regression targets), mean = value. */
  perClassEvidence: Float64Array;
}

const EPS = 1e-7;
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * LogME, Logarithm of Maximum Evidence (You et al. 2021), reference variant `log_maximum_evidence` (classification,
 * with the study's EPS = 1e-7 and at most 11 fixed-point iterations).
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns the mean over classes of the per-sample log evidence (higher = more transferable), and the per-class values.
 * @throws MetricInputError for bad shapes, non-finite features or bad labels.
 *
 * **Definition.** For each class c, y = 1[label = c] is regressed on f with prior w ~ N(0, alpha^-1 I) and noise
 * N(0, beta^-1). With X^T X = V diag(s) V^T and t = V^T X^T y, iterate from alpha = beta = 1:
 * gamma = sum s_i / (s_i + alpha/beta), m = V (beta t / (alpha + beta s)), alpha = gamma / (|m|^2 + EPS),
 * beta = (N - gamma) / (|y - X m|^2 + EPS), stopping when alpha/(beta + EPS) changes by < 1% relative. Then
 * L = [D/2 log alpha + N/2 log beta - 1/2 sum log(alpha + beta s_i) - beta/2 |y - X m|^2 - alpha/2 |m|^2 - N/2 log 2 pi] / N.
 * Everything is evaluated in the eigenbasis (|m|^2 = sum w_i^2, |y - X m|^2 = |y|^2 - 2 t.w + sum s_i w_i^2), so only the
 * eigenvalues and C projections are needed; s are singular values (|eigenvalues|) as in the reference's SVD.
 *
 * **References.** K. You, Y. Liu, J. Wang, M. Long, "LogME: Practical Assessment of Pre-trained Models for Transfer
 * Learning", ICML 2021. https://arxiv.org/abs/2102.11005
 *
 * @example
 * // golden case binary_well_separated: 0.3328393053894173
 * const { value } = await logme(features, labels);
 */
export async function logme(features: Matrix, labels: ArrayLike<number>): Promise<LogMeResult> {
  return logmeFromAnalysis(new FeatureAnalysis(features, labels));
}

export async function logmeFromAnalysis(a: FeatureAnalysis): Promise<LogMeResult> {
  const eig = await a.gramEigen();
  const C = a.labels.classes;
  const { n, d } = a;
  // X^T y_c = n_c mu_c: the class sums.
  const sums = new Float64Array(d * C);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) sums[j * C + c] = a.classMeans.data[c * d + j] * a.labels.counts[c];
  const t = await eig.project({ rows: d, cols: C, data: sums });
  // gramEigen() is the decomposition of X^T X / (N - 1).
  const s = eig.values.map((v) => Math.abs(v) * (n - 1));
  const perClassEvidence = new Float64Array(C);
  const tc = new Float64Array(d);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < d; i++) tc[i] = t.data[i * C + c];
    perClassEvidence[c] = classEvidence(s, tc, a.labels.counts[c], n, d);
  }
  let mean = 0;
  for (const e of perClassEvidence) mean += e;
  return { value: mean / C, perClassEvidence };
}

function classEvidence(s: Float64Array, t: Float64Array, yy: number, n: number, d: number): number {
  let alpha = 1;
  let beta = 1;
  let lam = alpha / beta;
  let alphaDe = 0;
  let betaDe = 0;
  for (let iter = 0; iter < 11; iter++) {
    let gamma = 0;
    for (let i = 0; i < d; i++) gamma += s[i] / (s[i] + lam);
    alphaDe = 0;
    let tw = 0;
    let sww = 0;
    for (let i = 0; i < d; i++) {
      const w = (t[i] * beta) / (alpha + beta * s[i]);
      alphaDe += w * w;
      tw += t[i] * w;
      sww += s[i] * w * w;
    }
    alpha = gamma / (alphaDe + EPS);
    betaDe = yy - 2 * tw + sww;
    beta = (n - gamma) / (betaDe + EPS);
    const newLam = alpha / (beta + EPS);
    if (Math.abs(newLam - lam) / (lam + EPS) < 0.01) break;
    lam = newLam;
  }
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += Math.log(alpha + beta * s[i]);
  const evidence =
    (d / 2) * Math.log(alpha) + (n / 2) * Math.log(beta) - 0.5 * logDet - (beta / 2) * betaDe - (alpha / 2) * alphaDe - (n / 2) * LOG_2PI;
  return evidence / n;
}
