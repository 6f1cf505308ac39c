import { argmaxRows, checkLabels, checkPredictions } from '../input';
import { MetricInputError } from '../errors';
import { type Matrix } from '../linalg/matrix';

export interface NceResult {
  value: number;
  /** Number of distinct source labels observed. */
  sourceClasses: number;
}

/**
 * NCE, Negative Conditional Entropy (Tran et al. 2019), reference variant `negative_conditional_entropy` applied, as in
 * the study, to the argmax of the source head (`nceFromPredictions`).
 *
 * @param sourceLabels length N, integers >= 0 (source classes z).
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns NCE in [-log C, 0] (higher = more transferable).
 * @throws MetricInputError for bad shapes or labels.
 *
 * **Definition.** With the empirical joint P(y, z) = #{i: y_i = y, z_i = z} / N and P(z) = sum_y P(y, z),
 * NCE = -H(Y | Z) = sum_{z: P(z) > 0} P(z) sum_y P(y | z) log P(y | z). The reference adds 1e-20 to P(y | z) before
 * the log (so 0 log 0 = 0); we skip zero terms, which differs by < 1e-18.
 *
 * **References.** A. T. Tran, C. V. Nguyen, T. Hassner, "Transferability and Hardness of Supervised Classification
 * Tasks", ICCV 2019. https://arxiv.org/abs/1908.08142
 *
 * @example
 * // golden case binary_well_separated (argmax source labels): -0.5515550050348068
 * const { value } = nceFromPredictions(predictions, labels);
 */
export function nce(sourceLabels: ArrayLike<number>, labels: ArrayLike<number>): NceResult {
  const { labels: y, classes } = checkLabels(labels, sourceLabels.length);
  const n = y.length;
  const z = new Int32Array(n);
  let cs = 0;
  for (let i = 0; i < n; i++) {
    const v = sourceLabels[i];
    if (!Number.isInteger(v) || v < 0) throw new MetricInputError('label_out_of_range', `sourceLabels[${i}] = ${v} must be a non-negative integer`);
    z[i] = v;
    cs = Math.max(cs, v + 1);
  }
  const joint = new Float64Array(classes * cs);
  for (let i = 0; i < n; i++) joint[y[i] * cs + z[i]] += 1;
  let value = 0;
  let sourceClasses = 0;
  for (let s = 0; s < cs; s++) {
    let nz = 0;
    for (let c = 0; c < classes; c++) nz += joint[c * cs + s];
    if (nz === 0) continue;
    sourceClasses++;
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const p = joint[c * cs + s] / nz;
      if (p > 0) h += p * Math.log(p);
    }
    value += (nz / n) * h;
  }
  return { value, sourceClasses };
}

/** NCE on the argmax (first index on ties, like numpy) of softmax predictions. */
export function nceFromPredictions(predictions: Matrix, labels: ArrayLike<number>): NceResult {
  checkPredictions(predictions, labels.length);
  return nce(argmaxRows(predictions), labels);
}
