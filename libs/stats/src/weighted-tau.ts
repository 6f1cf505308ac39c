import { type NanPolicy, pairedSample } from './input';
import { stableArgsort } from './sorting';

/** Weight of the element of rank r (0 = most important). */
export type Weigher = (rank: number) => number;

/** scipy's default weigher: the hyperbolic weight 1 / (r + 1). */
export const hyperbolicWeigher: Weigher = (r) => 1 / (1 + r);

/**
 * Which ranking assigns the weights (scipy's `rank` argument):
 * - `true` (default): the mean of the two coefficients obtained with the decreasing lexicographic ranking by
 *   (x, y) and by (y, x);
 * - `null`: only the decreasing lexicographic ranking by (x, y);
 * - `false`: the element at position i has rank i;
 * - an array: explicit ranks, non-negative integers, one per element.
 */
export type WeightedTauRank = boolean | null | ArrayLike<number>;

export interface WeightedTauOptions {
  readonly rank?: WeightedTauRank;
  /** Default {@link hyperbolicWeigher}. Must return finite, non-negative weights. */
  readonly weigher?: Weigher;
  /** Pair weight w(r_i) + w(r_j) when true (default), w(r_i) · w(r_j) when false. */
  readonly additive?: boolean;
  /** Default `'raise'`; see {@link NanPolicy}. */
  readonly nanPolicy?: NanPolicy;
}

export interface WeightedTauResult {
  /** Weighted tau in [-1, 1]; NaN when x or y is constant or a NaN propagated. scipy reports no p-value. */
  readonly statistic: number;
}

/**
 * One weighted tau for a fixed rank assignment: Vigna's O(n log n) algorithm (sort by (x, y), then a merge sort
 * on y that accumulates the weight of the exchanged pairs). Same accumulation order as scipy's
 * `_weightedrankedtau`, so results agree to round-off. `rank === null` means the decreasing lexicographic
 * ranking by (x, y).
 */
export function weightedRankedTau(
  x: Float64Array,
  y: Float64Array,
  rank: Float64Array | null,
  weigher: Weigher,
  additive: boolean,
): number {
  const n = x.length;
  const perm = stableArgsort(x, y);
  // weight[e] = weigher(rank of element e), evaluated once per element.
  const weight = new Float64Array(n);
  if (rank === null) {
    for (let k = 0; k < n; k++) weight[perm[n - 1 - k]] = weigher(k);
  } else {
    for (let e = 0; e < n; e++) weight[e] = weigher(rank[e]);
  }
  for (let e = 0; e < n; e++) {
    if (!(weight[e] >= 0) || !Number.isFinite(weight[e])) {
      throw new RangeError(`weightedTau: the weigher returned ${weight[e]} for element ${e}; weights must be finite and >= 0`);
    }
  }

  // Weight of the tied pairs within runs where `same(first, i)` holds, in perm order.
  const tiedWeight = (same: (a: number, b: number) => boolean): { total: number; constant: boolean } => {
    let first = 0;
    let total = 0;
    let w = weight[perm[0]];
    let s = w;
    let sq = w * w;
    for (let i = 1; i < n; i++) {
      if (!same(perm[first], perm[i])) {
        total += additive ? s * (i - first - 1) : (s * s - sq) / 2;
        first = i;
        s = sq = 0;
      }
      w = weight[perm[i]];
      s += w;
      sq += w * w;
    }
    total += additive ? s * (n - first - 1) : (s * s - sq) / 2;
    return { total, constant: first === 0 };
  };

  const t = tiedWeight((a, b) => x[a] === x[b] && y[a] === y[b]).total;
  const tiesX = tiedWeight((a, b) => x[a] === x[b]);
  if (tiesX.constant) return NaN;
  const u = tiesX.total;

  // Merge sort of perm by y; `exchanges` accumulates the weight of pairs whose y order is inverted.
  const temp = new Int32Array(n);
  let exchanges = 0;
  const weigh = (offset: number, length: number): number => {
    if (length === 1) return weight[perm[offset]];
    const length0 = length >> 1;
    const length1 = length - length0;
    const middle = offset + length0;
    let residual = weigh(offset, length0);
    const total = weigh(middle, length1) + residual;
    if (y[perm[middle - 1]] < y[perm[middle]]) return total;
    let i = 0;
    let j = 0;
    let k = 0;
    while (j < length0 && k < length1) {
      if (y[perm[offset + j]] <= y[perm[middle + k]]) {
        temp[i] = perm[offset + j];
        residual -= weight[temp[i]];
        j++;
      } else {
        temp[i] = perm[middle + k];
        exchanges += additive ? weight[temp[i]] * (length0 - j) + residual : weight[temp[i]] * residual;
        k++;
      }
      i++;
    }
    perm.copyWithin(offset + i, offset + j, offset + length0);
    perm.set(temp.subarray(0, i), offset);
    return total;
  };
  weigh(0, n);

  const tiesY = tiedWeight((a, b) => y[a] === y[b]);
  if (tiesY.constant) return NaN;
  const v = tiesY.total;

  let s = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const w = weight[perm[i]];
    s += w;
    sq += w * w;
  }
  const tot = additive ? s * (n - 1) : (s * s - sq) / 2;
  const tau = (tot - (v + u - t) - 2 * exchanges) / Math.sqrt(tot - u) / Math.sqrt(tot - v);
  // Round-off can leave [-1, 1] by an ulp.
  return Math.min(1, Math.max(-1, tau));
}

function explicitRank(rank: ArrayLike<number>, n: number): Float64Array {
  if (typeof rank.length !== 'number' || rank.length !== n) {
    throw new RangeError(`weightedTau: rank must have one entry per element (${n}), got ${rank.length}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rank[i];
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
      throw new RangeError(`weightedTau: rank[${i}] must be a non-negative integer, got ${String(r)}`);
    }
    out[i] = r;
  }
  return out;
}

/**
 * Weighted Kendall tau, equal to `scipy.stats.weightedtau(x, y)` (scipy 1.10) for the defaults: hyperbolic
 * weigher, additive pair weights, and the average of the two lexicographic rankings.
 *
 * @param x - length n >= 2, finite numbers (see `nanPolicy`).
 * @param y - length n, paired with `x`.
 * @param options - `rank` (default `true`, see {@link WeightedTauRank}), `weigher` (default 1/(r+1)),
 *   `additive` (default `true`), `nanPolicy` (default `'raise'`).
 * @returns `{ statistic }`; NaN when x or y is constant, or a NaN propagated with `nanPolicy: 'propagate'`.
 * @throws RangeError on length mismatch, fewer than 2 pairs, non-finite values (with `'raise'`), a bad
 *   explicit rank array, or a weigher returning a negative or non-finite weight.
 *
 * **Definition.** Given a rank r_i for each element and a weigher w, every pair {i, j} has weight
 * W_ij = w(r_i) + w(r_j) (additive) or w(r_i) w(r_j) (multiplicative). With s_ij = sgn(x_i - x_j) sgn(y_i - y_j),
 * tau_w = Σ W_ij s_ij / sqrt(Σ W_ij [x_i ≠ x_j] · Σ W_ij [y_i ≠ y_j]), sums over all pairs. Ties follow tau-b:
 * a pair tied in x (or y) counts in neither numerator nor that factor of the denominator. The default ranking
 * gives rank 0 to the largest element in the lexicographic order by (x, y) (ties in (x, y) keep input order,
 * later elements first), so that agreement among the top elements matters most; `rank: true` averages this
 * coefficient with the one ranked by (y, x). Complexity O(n log n) (Vigna's merge-sort algorithm).
 *
 * **References.** S. Vigna, "A weighted correlation index for rankings with ties", Proc. WWW 2015,
 * pp. 1166-1176, https://doi.org/10.1145/2736277.2741088. scipy.stats.weightedtau,
 * https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.weightedtau.html
 *
 * @example
 * weightedTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]).statistic; // -0.5669496815368272
 */
export function weightedTau(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: WeightedTauOptions = {},
): WeightedTauResult {
  const { rank = true, weigher = hyperbolicWeigher, additive = true, nanPolicy = 'raise' } = options;
  if (typeof weigher !== 'function') throw new TypeError('weightedTau: weigher must be a function of the rank');
  const sample = pairedSample(x, y, 'weightedTau', nanPolicy);
  if (sample.hasNaN) return { statistic: NaN };
  const xs = sample.x;
  const ys = sample.y;
  const n = xs.length;
  if (rank === true) {
    const statistic = (weightedRankedTau(xs, ys, null, weigher, additive) + weightedRankedTau(ys, xs, null, weigher, additive)) / 2;
    return { statistic };
  }
  let ranks: Float64Array;
  if (rank === false) {
    ranks = new Float64Array(n);
    for (let i = 0; i < n; i++) ranks[i] = i;
  } else if (rank === null) {
    return { statistic: weightedRankedTau(xs, ys, null, weigher, additive) };
  } else {
    if (n !== x.length) {
      throw new RangeError("weightedTau: an explicit rank array cannot be combined with nanPolicy 'omit'");
    }
    ranks = explicitRank(rank, n);
  }
  return { statistic: weightedRankedTau(xs, ys, ranks, weigher, additive) };
}
