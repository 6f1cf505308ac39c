import { checkLabels, checkPredictions } from '../input';
import { type Matrix } from '../linalg/matrix';
import { expectedEmpiricalPredictions } from './leep';

export interface LeepProbResult {
  value: number;
}

/**
 * LEEP-probability: the mean expected empirical prediction without LEEP's log, the quantity SFDA's and ETran's code
 * compute under the name "LEEP" (variant `sfda-code`; `leep` is Nguyen et al.'s log form).
 *
 * @param predictions N x Cs source-head probabilities (rows sum to 1 within PROBABILITY_ROW_SUM_TOLERANCE).
 * @param labels length N, integers in [0, C), every class present, C >= 2.
 * @returns a value in [0, 1] (higher = more transferable): the average probability the empirical classifier
 *   "source head, then P(y | z)" gives each sample's own label.
 * @throws MetricInputError for bad shapes, non-probability rows or bad labels.
 *
 * **Definition.** With theta(x_i) the source head's probabilities, P(y, z) = (1/N) sum_{i: y_i = y} theta_z(x_i) and
 * P(y | z) = P(y, z) / sum_y P(y, z) (LEEP, Nguyen et al. 2020, eqs. 1-2), EEP_i = sum_z P(y_i | z) theta_z(x_i) and
 * leep_prob = (1/N) sum_i EEP_i; LEEP itself is (1/N) sum_i log EEP_i, so by Jensen leep_prob >= exp(LEEP). A source
 * class no sample puts mass on contributes nothing (the reference divides 0 by 0 there and returns NaN).
 *
 * **Reference behaviour.** Equal to `LEEP(X, y)` of github.com/TencentARC/SFDA (metrics.py; their comment: "the log
 * function is ignored in case of instability"), which forms theta = softmax(X W^T + b) from a 1000-class head itself;
 * here theta is the input, for any Cs. ETran's `LEEP` (github.com/mgholamikn/ETran metrics.py at d4551ed) is the same
 * computation.
 *
 * **References.** W. Shao, X. Zhao, Y. Ge, Z. Zhang, L. Yang, X. Wang, Y. Shan, P. Luo, "Not All Models Are Equal:
 * Predicting Model Transferability in a Self-challenging Fisher Space", ECCV 2022. https://arxiv.org/abs/2207.03036 ;
 * C. Nguyen, T. Hassner, M. Seeger, C. Archambeau, "LEEP", ICML 2020.
 *
 * @example
 * // golden case binary_well_separated: 0.5841962379319404 (leep: -0.5581099787771069)
 * const { value } = leepProb(predictions, labels);
 */
export function leepProb(predictions: Matrix, labels: ArrayLike<number>): LeepProbResult {
  const { labels: y, classes } = checkLabels(labels, predictions.rows);
  checkPredictions(predictions, y.length);
  return { value: mean(expectedEmpiricalPredictions(predictions, y, classes)) };
}

export function mean(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
