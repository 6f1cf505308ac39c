import { groupedKendallTau, pearson, regret, relativeTopK, spearman, weightedTau } from '@transferscope/stats';
import { CorrelationMethod, GROUPED_METHODS } from './correlation-method.enum';
import { fastKendallTauB, fastKendallTauBGathered, fastKendallTauBOrdered, fastKendallTauBPrepared, type PreparedScores } from './fast-kendall';

/**
 * Paired samples of one correlation row, laid out group after group (a group = the models of one (study, dataset)),
 * groups in order of first appearance: the layout the stratified bootstrap of @transferscope/stats resamples in, so
 * `groups` stays valid for every resample.
 */
export interface RowSample {
  scores: Float64Array;
  performance: Float64Array;
  groups: string[];
  /** [start, end) of each group in the arrays. */
  bounds: [number, number][];
  /** For a single group: `ascendingOrder(performance)` (null when performances tie), or undefined when not known. */
  performanceOrder?: Int32Array | null;
}

export interface StatisticValue {
  value: number | null;
  pValue: number | null;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * The value of `method` for one row. All statistics come from @transferscope/stats; this only chooses one and
 * combines groups: grouped methods pool within-group pairs, the others average their per-group values (a p-value
 * exists only for a single group). Undefined values (too few models, constant input) are null, never an error.
 */
export function rowStatistic(method: CorrelationMethod, sample: RowSample, valueOnly = false): StatisticValue {
  const { scores, performance, groups, bounds } = sample;
  if (GROUPED_METHODS.has(method)) {
    if (scores.length < 2) return { value: null, pValue: null };
    const { statistic } = groupedKendallTau(scores, performance, groups, { weighted: method === CorrelationMethod.GROUPED_WEIGHTED_TAU });
    return { value: finiteOrNull(statistic), pValue: null };
  }
  if (bounds.length === 1) {
    if (method === CorrelationMethod.KENDALL_TAU_B && sample.performanceOrder && scores.length >= 2) return withPValue(fastKendallTauBOrdered(scores, performance, sample.performanceOrder, valueOnly));
    return groupStatistic(method, scores, performance, valueOnly);
  }
  let sum = 0;
  let count = 0;
  for (const [start, end] of bounds) {
    const { value } = groupStatistic(method, scores.subarray(start, end), performance.subarray(start, end), true);
    if (value !== null) {
      sum += value;
      count++;
    }
  }
  return { value: count === 0 ? null : sum / count, pValue: null };
}

/**
 * KENDALL_TAU_B of one group whose scores were prepared once for all rows sharing them (baselines), as
 * {@link rowStatistic} gives it; null where it cannot tell (performances that tie): take rowStatistic then.
 */
export function preparedKendallTauB(scores: PreparedScores, performance: Float64Array): StatisticValue | null {
  const result = fastKendallTauBPrepared(scores, performance, false);
  return result && withPValue(result);
}

/**
 * KENDALL_TAU_B of one group whose scores, in ascending order of its tie-free performances, are
 * `sign * values[base + gather[k]]` (what {@link rowStatistic} gives for that group); null when the scores tie or are
 * not finite (take rowStatistic then).
 */
export function gatheredKendallTauB(values: Float64Array, base: number, gather: Int32Array, sign: number): StatisticValue | null {
  const result = fastKendallTauBGathered(values, base, gather, sign, false);
  return result && withPValue(result);
}

/** Minimum number of models each method needs to be defined. */
function minimumModels(method: CorrelationMethod): number {
  return method === CorrelationMethod.REL_TOP3 ? 3 : 2;
}

/** `valueOnly`: the p-value is not wanted (pooled rows, bootstrap resamples), so skip tau's exact p-value, its costly part. */
function groupStatistic(method: CorrelationMethod, x: Float64Array, y: Float64Array, valueOnly: boolean): StatisticValue {
  if (x.length < minimumModels(method)) return { value: null, pValue: null };
  switch (method) {
    case CorrelationMethod.KENDALL_TAU_B:
      // The library's kendallTauB, value for value (see fast-kendall.ts).
      return withPValue(fastKendallTauB(x, y, valueOnly));
    case CorrelationMethod.SPEARMAN:
      return withPValue(spearman(x, y));
    case CorrelationMethod.PEARSON:
      return withPValue(pearson(x, y));
    case CorrelationMethod.WEIGHTED_TAU:
      return { value: finiteOrNull(weightedTau(x, y).statistic), pValue: null };
    case CorrelationMethod.REL_TOP1:
    case CorrelationMethod.REL_TOP3:
      // A ratio to the best performance is undefined unless that is positive (accuracies always are).
      if (!(Math.max(...y) > 0)) return { value: null, pValue: null };
      return { value: relativeTopK(x, y, method === CorrelationMethod.REL_TOP1 ? 1 : 3), pValue: null };
    case CorrelationMethod.REGRET:
      return { value: regret(x, y), pValue: null };
    case CorrelationMethod.GROUPED_TAU:
    case CorrelationMethod.GROUPED_WEIGHTED_TAU:
      return { value: finiteOrNull(groupedKendallTau(x, y, new Array<string>(x.length).fill('')).statistic), pValue: null };
  }
}

function withPValue(result: { statistic: number; pValue: number }): StatisticValue {
  const value = finiteOrNull(result.statistic);
  return { value, pValue: value === null ? null : finiteOrNull(result.pValue) };
}
