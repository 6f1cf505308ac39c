import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { gemm, syrk } from '../linalg/gemm';
import { matrix, type Matrix } from '../linalg/matrix';
import { SymmetricEigen } from '../linalg/symmetric-eigen';

export interface TransRateOptions {
  /** eps = epsilon^2 of the coding rate (the distortion), > 0. Default 1e-4, the official code's default. */
  eps?: number;
}

export interface TransRateResult {
  value: number;
  /** R(Z, eps) / rank(Z^T Z): the coding rate of all features, as the official code normalises it. */
  rate: number;
  /** R(Z, eps | Y) / rank(Z^T Z) = sum_c n_c / N R(Z_c, eps) / rank(Z^T Z). */
  conditionalRate: number;
  /** rank(Z^T Z / N) with numpy's matrix_rank tolerance (largest eigenvalue * D * machine epsilon). */
  rank: number;
}

export const TRANSRATE_DEFAULT_EPS = 1e-4;

/** torch.nn.functional.normalize's floor on the row norm (the official feature extraction's first normalisation). */
const TORCH_NORMALIZE_EPS = 1e-12;

/**
 * TransRate (Huang et al. 2022), the official code's non-projected variant: the coding rate of the features minus their
 * class-conditional coding rate, on centred, unit-length features.
 *
 * @param features N x D, finite, N >= 2.
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @param options `eps` (epsilon^2, default 1e-4).
 * @returns TransRate >= 0 (concavity of log det; higher = more transferable), with its two rates and the rank that
 *   divides them. Invariant to rescaling each row of the features by a positive factor.
 * @throws MetricInputError for bad shapes, non-finite features or bad labels; `non_finite` when a row equals the mean
 *   of the normalised rows (its direction after centring is undefined; the reference divides by zero).
 *
 * **Definition.** Rows are normalised to unit length (x / max(||x||, 1e-12), the official feature extraction's
 * `torch.nn.functional.normalize`), centred by the column means, and normalised to unit length again, giving Z
 * (N x D); Z_c are the rows of class c (n_c of them). With the coding rate of Ma et al. (2007) as used by the paper,
 * R(Z, eps) = 1/2 log det(I + Z^T Z / (N eps)) and R(Z, eps | Y) = sum_c n_c / N * 1/2 log det(I + Z_c^T Z_c / (n_c eps)),
 * TransRate = [R(Z, eps) - R(Z, eps | Y)] / r, where the official code (`process_transrate_logs` with its defaults:
 * `normalize_opt='rank'`, `eps=1e-4`) divides both rates by r = rank(Z^T Z / N) (numpy's `matrix_rank`). The log
 * determinants are sums of log(1 + |lambda| / eps) over eigenvalues; a class Gram matrix is taken on its smaller side
 * (Z_c Z_c^T when n_c < D: the same non-zero eigenvalues, the remaining ones are zero and add log 1 = 0).
 * Since the rows of Z have unit length, tr(Z^T Z / N) = 1, so the official `normalize_eigz` option changes nothing here.
 *
 * Reference behaviour: Long-Kai/TransRate (`generate_transrate/transrate.py` `transrate_eig` after
 * `experiment_builder_get_eigens.py`'s normalise-and-centre, then `extract_result_utils.process_transrate_logs`).
 * The repository's default `--use_proj_Z True` path (a projection through pinv(cov) of the class-mean covariance)
 * is a different score and is not implemented. Fixtures agree to 1e-9 relative.
 *
 * Complexity: one O(N min(N, D) max(N, D)) Gram per class (onnxruntime), C + 1 symmetric eigenvalue problems of size
 * at most min(n_c, D); the reference computes C + 2 D x D SVDs.
 *
 * Licence: Long-Kai/TransRate carries no licence (no LICENSE file at the commit used), so nothing is taken from it; this
 * implementation is re-derived from the paper's equations and only checked against the official code's outputs.
 *
 * **References.** L.-K. Huang, J. Huang, Y. Rong, Q. Yang, Y. Wei, "Frustratingly Easy Transferability Estimation",
 * ICML 2022, PMLR 162:9201-9225. https://proceedings.mlr.press/v162/huang22d.html
 *
 * @example
 * // golden case binary_well_separated: 0.09672530468283247
 * const { value } = await transrate(features, labels);
 */
export async function transrate(features: Matrix, labels: ArrayLike<number>, options: TransRateOptions = {}): Promise<TransRateResult> {
  return transrateFromAnalysis(new FeatureAnalysis(features, labels), options);
}

function normaliseRows(x: Float64Array, n: number, d: number, floor: number, what: string): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    const norm = Math.max(Math.sqrt(s), floor);
    if (!(norm > 0)) throw new MetricInputError('non_finite', `TransRate: row ${i} is zero ${what}; its direction is undefined`);
    for (let j = 0; j < d; j++) x[i * d + j] /= norm;
  }
}

/** Sum of log(1 + |lambda| / eps) over the eigenvalues of g: log det(I + g / eps) for a PSD g. */
function logDetIdentityPlus(eig: SymmetricEigen, eps: number): number {
  let s = 0;
  for (const v of eig.values) s += Math.log1p(Math.abs(v) / eps);
  return s;
}

/** Z_c^T Z_c / scale, or Z_c Z_c^T / scale when the class has fewer rows than columns. */
async function smallerGram(z: Matrix, scale: number): Promise<Matrix> {
  const g = z.rows < z.cols ? await gemm(z, z, { transB: true }) : await syrk(z);
  return matrix(g.rows, g.cols, g.data.map((v) => v / scale));
}

export async function transrateFromAnalysis(a: FeatureAnalysis, options: TransRateOptions = {}): Promise<TransRateResult> {
  const eps = options.eps ?? TRANSRATE_DEFAULT_EPS;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`transrate: eps must be a positive number, got ${eps}`);
  const { n, d } = a;
  const z = Float64Array.from(a.features.data);
  normaliseRows(z, n, d, TORCH_NORMALIZE_EPS, 'in the features');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += z[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] -= mean[j];
  normaliseRows(z, n, d, 0, 'after centring (it equals the mean of the normalised rows)');

  const { labels, classes: C, counts } = a.labels;
  const members: Matrix[] = [];
  const filled = new Int32Array(C);
  for (let c = 0; c < C; c++) members.push(matrix(counts[c], d));
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    members[c].data.set(z.subarray(i * d, (i + 1) * d), filled[c]++ * d);
  }
  // The total Gram Z^T Z = sum_c Z_c^T Z_c: summed from the class Grams when they are all D x D, else its own product.
  let conditional = 0;
  const classGrams: Matrix[] = [];
  for (let c = 0; c < C; c++) {
    const g = await smallerGram(members[c], counts[c]);
    if (g.rows === d) classGrams.push(g);
    conditional += (counts[c] / n) * logDetIdentityPlus(await SymmetricEigen.of(g), eps);
  }
  let total: Matrix;
  if (classGrams.length === C && n >= d) {
    total = matrix(d, d);
    for (let c = 0; c < C; c++) {
      const w = counts[c] / n;
      const g = classGrams[c].data;
      for (let k = 0; k < total.data.length; k++) total.data[k] += w * g[k];
    }
  } else {
    total = await smallerGram(matrix(n, d, z), n);
  }
  const totalEig = await SymmetricEigen.of(total);
  let maxAbs = 0;
  for (const v of totalEig.values) maxAbs = Math.max(maxAbs, Math.abs(v));
  // numpy.linalg.matrix_rank's default tolerance on the D x D matrix: S.max() * max(M, N) * eps.
  const tol = maxAbs * d * Number.EPSILON;
  let rank = 0;
  for (const v of totalEig.values) if (Math.abs(v) > tol) rank++;
  const rate = logDetIdentityPlus(totalEig, eps) / rank / 2;
  const conditionalRate = conditional / rank / 2;
  return { value: rate - conditionalRate, rate, conditionalRate, rank };
}
