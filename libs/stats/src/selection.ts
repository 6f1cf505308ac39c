/**
 * How models with equal scores are ordered when they straddle the top-k boundary:
 * - `'average'` (default): the expected value over a uniformly random order of the tied models;
 * - `'optimistic'`: tied models with higher performance first; `'pessimistic'`: lower performance first;
 * - `'first'`: input order (a stable sort by decreasing score).
 */
export type TiePolicy = 'average' | 'optimistic' | 'pessimistic' | 'first';

export interface SelectionOptions {
  /** Default `'average'`; see {@link TiePolicy}. */
  readonly ties?: TiePolicy;
}

interface Checked {
  readonly scores: Float64Array;
  readonly performance: Float64Array;
  readonly best: number;
}

function check(fn: string, scores: ArrayLike<number>, performance: ArrayLike<number>, k: number, ties: TiePolicy): Checked {
  if (scores?.length === undefined || performance?.length === undefined) {
    throw new TypeError(`${fn}: scores and performance must be array-likes of numbers`);
  }
  if (scores.length !== performance.length) {
    throw new RangeError(`${fn}: scores and performance must have the same length, got ${scores.length} and ${performance.length}`);
  }
  const n = scores.length;
  if (n < 1) throw new RangeError(`${fn}: need at least one model, got 0`);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`${fn}: k must be an integer in [1, ${n}], got ${k}`);
  }
  if (ties !== 'average' && ties !== 'optimistic' && ties !== 'pessimistic' && ties !== 'first') {
    throw new RangeError(`${fn}: ties must be 'average', 'optimistic', 'pessimistic' or 'first', got ${String(ties)}`);
  }
  const s = new Float64Array(n);
  const p = new Float64Array(n);
  let best = -Infinity;
  for (let i = 0; i < n; i++) {
    s[i] = scores[i];
    p[i] = performance[i];
    if (!Number.isFinite(s[i])) throw new RangeError(`${fn}: scores[${i}] is ${scores[i]}; scores must be finite`);
    if (!Number.isFinite(p[i])) throw new RangeError(`${fn}: performance[${i}] is ${performance[i]}; performance must be finite`);
    best = Math.max(best, p[i]);
  }
  return { scores: s, performance: p, best };
}

/**
 * The top k by decreasing score: `above` are certainly selected; `m` of the `boundary` models (equal scores at
 * the cut) are selected too. Indices in input order.
 */
function cut(scores: Float64Array, k: number): { above: number[]; boundary: number[]; m: number } {
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const cutScore = scores[order[k - 1]];
  const above = order.filter((i) => scores[i] > cutScore);
  const boundary = order.filter((i) => scores[i] === cutScore);
  return { above, boundary, m: k - above.length };
}

/** Boundary members to select under a deterministic tie policy. */
function pickBoundary(boundary: number[], m: number, performance: Float64Array, ties: TiePolicy): number[] {
  if (ties === 'first') return boundary.slice(0, m);
  const byPerf = [...boundary].sort((a, b) => performance[b] - performance[a] || a - b);
  return ties === 'optimistic' ? byPerf.slice(0, m) : byPerf.slice(byPerf.length - m);
}

/** E[max performance among the top k], over random tie orders for `'average'`. */
function expectedBestOfTopK(c: Checked, k: number, ties: TiePolicy): number {
  const { above, boundary, m } = cut(c.scores, k);
  const p = c.performance;
  let maxAbove = -Infinity;
  for (const i of above) maxAbove = Math.max(maxAbove, p[i]);
  if (ties !== 'average') {
    let best = maxAbove;
    for (const i of pickBoundary(boundary, m, p, ties)) best = Math.max(best, p[i]);
    return best;
  }
  // A uniformly random m-subset of the s boundary models has as its maximum the i-th largest b_i with
  // probability C(s - i, m - 1) / C(s, m); P_1 = m / s, P_{i+1} = P_i (s - i - m + 1) / (s - i).
  const b = boundary.map((i) => p[i]).sort((u, v) => v - u);
  const s = b.length;
  let prob = m / s;
  let expected = 0;
  for (let i = 1; i <= s - m + 1; i++) {
    expected += prob * Math.max(maxAbove, b[i - 1]);
    prob *= (s - i - m + 1) / (s - i);
  }
  return expected;
}

/**
 * Relative top-k accuracy: the best performance among the k models ranked highest by score, divided by the
 * best performance of all models ("rel@k"). 1 means the top k contains the best model.
 *
 * @param scores - length n, finite transferability scores (higher = predicted better).
 * @param performance - length n, finite ground-truth performance (e.g. fine-tuned accuracy), max > 0.
 * @param k - integer in [1, n].
 * @param options - `ties` (default `'average'`).
 * @returns a number in (-∞, 1] (in [0, 1] for non-negative performance).
 * @throws RangeError on length mismatch, n = 0, non-finite values, k outside [1, n], max performance <= 0.
 *
 * **Definition.** rel@k = max_{i ∈ top_k(scores)} perf_i / max_i perf_i, top_k the k largest scores; with
 * ties at the cut, the expectation over uniformly random tie orders (`'average'`) or the stated order.
 *
 * **References.** A. Agostinelli, J. Uijlings, T. Mensink, V. Ferrari, "Transferability metrics for selecting
 * source model ensembles", CVPR 2022 (relative top-k accuracy), https://arxiv.org/abs/2111.13011.
 *
 * @example
 * relativeTopK([0.9, 0.5, 0.7], [0.80, 0.90, 0.85], 2); // 0.85 / 0.90 = 0.9444444444444444
 */
export function relativeTopK(
  scores: ArrayLike<number>,
  performance: ArrayLike<number>,
  k: number,
  options: SelectionOptions = {},
): number {
  const { ties = 'average' } = options;
  const c = check('relativeTopK', scores, performance, k, ties);
  if (!(c.best > 0)) {
    throw new RangeError(`relativeTopK: the best performance must be > 0 to form a ratio, got ${c.best}`);
  }
  return expectedBestOfTopK(c, k, ties) / c.best;
}

/**
 * Regret of selecting the top-scored model: best performance minus the performance of the model with the
 * highest score (0 when the score picks the best model).
 *
 * @param scores - length n >= 1, finite scores.
 * @param performance - length n, finite performance.
 * @param options - `ties` (default `'average'`: the mean performance of the models sharing the top score).
 * @returns regret >= 0, in performance units.
 * @throws RangeError on length mismatch, n = 0, non-finite values.
 *
 * **Definition.** regret = max_i perf_i - perf_{argmax_i score_i}.
 *
 * **References.** W. Shao et al., "Not all models are equal: predicting model transferability in a
 * self-challenging Fisher space" (SFDA), ECCV 2022; A. Agostinelli et al., CVPR 2022.
 *
 * @example
 * regret([0.9, 0.5, 0.7], [0.80, 0.90, 0.85]); // 0.9 - 0.8 = 0.09999999999999998
 */
export function regret(scores: ArrayLike<number>, performance: ArrayLike<number>, options: SelectionOptions = {}): number {
  const { ties = 'average' } = options;
  const c = check('regret', scores, performance, 1, ties);
  return c.best - expectedBestOfTopK(c, 1, ties);
}

/**
 * Whether the best-performing model is among the n models ranked highest by score (1 or 0; with
 * `ties: 'average'` and ties at the cut, the probability over random tie orders).
 *
 * @param scores - length N, finite scores.
 * @param performance - length N, finite performance; every model reaching the maximum counts as "best".
 * @param n - integer in [1, N].
 * @param options - `ties` (default `'average'`).
 * @returns a number in [0, 1].
 * @throws RangeError on length mismatch, N = 0, non-finite values, n outside [1, N].
 *
 * **Definition.** 1[∃ i ∈ top_n(scores): perf_i = max_j perf_j]; with `'average'` and s boundary models of
 * which q are best, m of them selected: 1 - C(s - q, m) / C(s, m) (when no best model is above the cut).
 *
 * **References.** Top-n hit rate as used in model-selection evaluations, e.g. K. You et al., "LogME:
 * Practical assessment of pre-trained models for transfer learning", ICML 2021.
 *
 * @example
 * bestInTopN([0.9, 0.5, 0.7], [0.80, 0.90, 0.85], 2); // 0 (the best model has the lowest score)
 */
export function bestInTopN(
  scores: ArrayLike<number>,
  performance: ArrayLike<number>,
  n: number,
  options: SelectionOptions = {},
): number {
  const { ties = 'average' } = options;
  const c = check('bestInTopN', scores, performance, n, ties);
  const { above, boundary, m } = cut(c.scores, n);
  const isBest = (i: number): boolean => c.performance[i] === c.best;
  if (above.some(isBest)) return 1;
  if (ties !== 'average') return pickBoundary(boundary, m, c.performance, ties).some(isBest) ? 1 : 0;
  const s = boundary.length;
  const q = boundary.filter(isBest).length;
  // P(no best model among m drawn from s) = Π_{t<m} (s - q - t) / (s - t).
  let none = 1;
  for (let t = 0; t < m; t++) none *= Math.max(0, s - q - t) / (s - t);
  return 1 - none;
}
