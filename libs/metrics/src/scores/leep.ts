import { checkLabels, checkPredictions } from '../input';
import { type Matrix } from '../linalg/matrix';

export interface LeepResult {
  value: number;
}

/**
 * LEEP, Log Expected Empirical Prediction (Nguyen et al. 2020), reference variant `log_expected_empirical_prediction`.
 *
 * @param predictions N x Cs source-head probabilities (rows sum to 1 within PROBABILITY_ROW_SUM_TOLERANCE).
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns LEEP <= 0 (higher = more transferable); -Infinity if some sample gets empirical probability 0.
 * @throws MetricInputError for bad shapes, non-probability rows or bad labels.
 *
 * **Definition.** Joint P(y, z) = (1/N) sum_{i: y_i = y} theta_z(x_i); P(y | z) = P(y, z) / sum_y P(y, z);
 * LEEP = (1/N) sum_i log sum_z P(y_i | z) theta_z(x_i). A source class z that no sample puts mass on gives 0/0 in the
 * reference (NaN); here such z contribute nothing (their theta_z(x_i) are all 0).
 *
 * **References.** C. Nguyen, T. Hassner, M. Seeger, C. Archambeau, "LEEP: A New Measure to Evaluate Transferability of
 * Learned Representations", ICML 2020. http://proceedings.mlr.press/v119/nguyen20b/nguyen20b.pdf
 *
 * @example
 * // golden case binary_well_separated: -0.5581099787771069
 * const { value } = leep(predictions, labels);
 */
export function leep(predictions: Matrix, labels: ArrayLike<number>): LeepResult {
  const { labels: y, classes } = checkLabels(labels, predictions.rows);
  checkPredictions(predictions, y.length);
  return { value: leepUnchecked(predictions, y, classes) };
}

/** LEEP without input checks (callers that produce probabilities themselves, e.g. N-LEEP's mixture posteriors). */
export function leepUnchecked(predictions: Matrix, y: Int32Array, classes: number): number {
  const eep = expectedEmpiricalPredictions(predictions, y, classes);
  let sum = 0;
  for (const e of eep) sum += Math.log(e);
  return sum / eep.length;
}

/**
 * The expected empirical prediction of each sample's own label, EEP_i = sum_z P(y_i | z) theta_z(x_i) (length N, in
 * [0, 1]), without input checks. LEEP averages their logs; the probability variants (`leep_prob`, `nleep_prob`) the
 * values themselves. O(N Cs).
 */
export function expectedEmpiricalPredictions(predictions: Matrix, y: Int32Array, classes: number): Float64Array {
  const n = predictions.rows;
  const cs = predictions.cols;
  const P = predictions.data;
  const joint = new Float64Array(classes * cs);
  for (let i = 0; i < n; i++) {
    const row = y[i] * cs;
    for (let z = 0; z < cs; z++) joint[row + z] += P[i * cs + z] / n;
  }
  const pz = new Float64Array(cs);
  for (let c = 0; c < classes; c++) for (let z = 0; z < cs; z++) pz[z] += joint[c * cs + z];
  const eep = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let z = 0; z < cs; z++) {
      if (pz[z] > 0) e += P[i * cs + z] * (joint[y[i] * cs + z] / pz[z]);
    }
    eep[i] = e;
  }
  return eep;
}
