import { type GroupLabel } from './grouped-tau';
import { pairedSample } from './input';
import { createRng } from './prng';
import { hdiSorted, quantileSorted } from './quantiles';

/** Paired observations, e.g. x = transferability scores and y = fine-tuned performance of the same models. */
export interface PairedData {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** A statistic of paired samples, e.g. `(x, y) => kendallTauB(x, y).statistic`. May return NaN. */
export type PairedStatistic = (x: Float64Array, y: Float64Array) => number;

export type BootstrapInterval = 'percentile' | 'hdi';

export interface BootstrapOptions {
  /** Number of resamples, integer >= 1; default 1000. */
  readonly resamples?: number;
  /** PRNG seed, a non-negative safe integer; default 0. Same seed, same data → same result everywhere. */
  readonly seed?: number;
  /** 1 - confidence level, in (0, 1); default 0.05 (a 95% interval). */
  readonly alpha?: number;
  /** `'percentile'` (default): the alpha/2 and 1 - alpha/2 quantiles; `'hdi'`: the narrowest interval. */
  readonly interval?: BootstrapInterval;
  /** Group label per pair: resample within each group (stratified), keeping group sizes. */
  readonly groups?: ArrayLike<GroupLabel>;
  /**
   * The follow-up benchmark's constant-score guard: when x (the scores) is constant but y is not, the statistic
   * is taken as 0 (no ranking ability) instead of being computed (tau would be NaN). Default false.
   */
  readonly constantScoreGuard?: boolean;
}

export interface BootstrapResult {
  /** The statistic on the original sample (with the guard applied when enabled). */
  readonly statistic: number;
  /** Interval bounds; NaN when every resample was rejected. */
  readonly low: number;
  readonly high: number;
  readonly alpha: number;
  readonly interval: BootstrapInterval;
  /** Resamples drawn. */
  readonly resamples: number;
  /** Resamples whose statistic was NaN or ±Infinity, left out of the interval. */
  readonly rejected: number;
  /** Resamples whose statistic the constant-score guard set to 0. */
  readonly guarded: number;
  /** The accepted resampled statistics, ascending. */
  readonly distribution: Float64Array;
  readonly seed: number;
}

function isConstant(v: Float64Array): boolean {
  for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) return false;
  return true;
}

/**
 * Bootstrap confidence interval of a paired statistic: resample the pairs with replacement (within groups when
 * `groups` is given), recompute the statistic, and summarise the resampled values by a percentile or
 * highest-density interval. Deterministic for a given seed on every machine (xoshiro128**, see prng.ts).
 *
 * @param pairs - `{ x, y }`, equal lengths n >= 2, finite numbers.
 * @param statistic - function of the resampled (x, y), e.g. `(x, y) => kendallTauB(x, y).statistic`.
 * @param options - `resamples` (1000), `seed` (0), `alpha` (0.05), `interval` ('percentile'), `groups`,
 *   `constantScoreGuard` (false).
 * @returns `{ statistic, low, high, rejected, guarded, distribution, ... }`. Resamples whose statistic is NaN
 *   (e.g. tau of a resample with constant x) are rejected and counted, never silently turned into numbers
 *   (unless the guard applies).
 * @throws RangeError on bad lengths, non-finite data, bad options, a group label per pair missing.
 *
 * **Definition.** For b = 1..B: draw indices i_1..i_n uniformly with replacement from 0..n-1 (grouped:
 * n_g indices from each group g's members, groups in order of first appearance, members in input order),
 * T_b = statistic(x[i], y[i]); with the guard, T_b = 0 when x[i] is constant and y[i] is not. The accepted
 * {T_b} (finite) are sorted; percentile: [Q(alpha/2), Q(1 - alpha/2)] with numpy's linear interpolation
 * Q (h = (m-1) q); hdi: the narrowest [T_(i), T_(i+k)], k = ⌊(1 - alpha) m⌋. Uniform integers come from
 * rejection sampling, so there is no modulo bias. Resampling costs O(B n) plus B statistic evaluations.
 *
 * **References.** B. Efron, R. J. Tibshirani, An Introduction to the Bootstrap, Chapman & Hall, 1993 (ch. 13,
 * percentile interval). R. J. Hyndman, Y. Fan, "Sample quantiles in statistical packages", Am. Stat. 50(4),
 * 1996 (type 7). Highest-density interval as in arviz.hdi.
 *
 * @example
 * bootstrap({ x: [1, 2, 3, 4, 5, 6], y: [2, 1, 4, 3, 6, 5] }, (x, y) => kendallTauB(x, y).statistic, { seed: 7 });
 * // { statistic: 0.6, low: -0.09090909090909091, high: 1, rejected: 1, guarded: 0, ... } (fixed by the seed)
 */
export function bootstrap(pairs: PairedData, statistic: PairedStatistic, options: BootstrapOptions = {}): BootstrapResult {
  const fn = 'bootstrap';
  const { resamples = 1000, seed = 0, alpha = 0.05, interval = 'percentile', groups, constantScoreGuard = false } = options;
  if (pairs === null || typeof pairs !== 'object') throw new TypeError(`${fn}: pairs must be an object { x, y }`);
  if (typeof statistic !== 'function') throw new TypeError(`${fn}: statistic must be a function (x, y) => number`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`${fn}: resamples must be an integer >= 1, got ${resamples}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${fn}: alpha must be in (0, 1), got ${alpha}`);
  if (interval !== 'percentile' && interval !== 'hdi') {
    throw new RangeError(`${fn}: interval must be 'percentile' or 'hdi', got ${String(interval)}`);
  }
  const { x, y } = pairedSample(pairs.x, pairs.y, fn, 'raise');
  const n = x.length;
  const rng = createRng(seed);

  // Strata: member indices per group, groups in order of first appearance.
  let strata: number[][];
  if (groups === undefined) {
    strata = [Array.from({ length: n }, (_, i) => i)];
  } else {
    if (groups?.length !== n) throw new RangeError(`${fn}: groups must have one label per pair (${n}), got ${groups?.length}`);
    const byLabel = new Map<GroupLabel, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (typeof g !== 'string' && !(typeof g === 'number' && Number.isFinite(g))) {
        throw new RangeError(`${fn}: groups[${i}] must be a string or a finite number, got ${String(g)}`);
      }
      const list = byLabel.get(g);
      if (list) list.push(i);
      else byLabel.set(g, [i]);
    }
    strata = [...byLabel.values()];
  }

  const evaluate = (xs: Float64Array, ys: Float64Array): { value: number; guarded: boolean } => {
    if (constantScoreGuard && isConstant(xs) && !isConstant(ys)) return { value: 0, guarded: true };
    return { value: statistic(xs, ys), guarded: false };
  };

  const full = evaluate(x, y).value;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const accepted = new Float64Array(resamples);
  let m = 0;
  let rejected = 0;
  let guarded = 0;
  for (let b = 0; b < resamples; b++) {
    let k = 0;
    for (const members of strata) {
      for (let j = 0; j < members.length; j++) {
        const i = members[rng.nextInt(members.length)];
        xs[k] = x[i];
        ys[k] = y[i];
        k++;
      }
    }
    // A fresh copy per call: the statistic may keep or reorder its arguments.
    const r = evaluate(xs.slice(), ys.slice());
    if (r.guarded) guarded++;
    if (Number.isFinite(r.value)) accepted[m++] = r.value;
    else rejected++;
  }
  const distribution = accepted.slice(0, m).sort();
  let low = NaN;
  let high = NaN;
  if (m > 0) {
    if (interval === 'percentile') {
      low = quantileSorted(distribution, alpha / 2);
      high = quantileSorted(distribution, 1 - alpha / 2);
    } else {
      [low, high] = hdiSorted(distribution, 1 - alpha);
    }
  }
  return { statistic: full, low, high, alpha, interval, resamples, rejected, guarded, distribution, seed };
}
