import { type NanPolicy, pairedSample } from './input';
import { sortPairs } from './sorting';

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
 * on y that accumulates the weight of the exchanged pairs), as scipy's `_weightedrankedtau`; the tie sums
 * are accumulated in scipy's order, the exchange weights bottom-up, so results agree to round-off. `rank === null` means the decreasing lexicographic
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
  // Keys and weights travel together in sorted order (sx, sy, sw), so every pass reads memory sequentially.
  const { a: sx, b: sy, index } = sortPairs(x, y, rank !== null);
  const sw = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    // rank === null: the largest pair in the (x, y) order gets rank 0.
    const w = weigher(rank === null ? n - 1 - p : rank[index[p]]);
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new RangeError(`weightedTau: the weigher returned ${w} for element ${index[p]}; weights must be finite and >= 0`);
    }
    sw[p] = w;
  }

  // Weight of the pairs tied within runs of equal keys (runs of equal `a`, and of `b` too when given).
  const tiedWeight = (a: Float64Array, b: Float64Array | null, weights: Float64Array): { total: number; constant: boolean } => {
    let first = 0;
    let total = 0;
    let w = weights[0];
    let s = w;
    let sq = w * w;
    for (let i = 1; i < n; i++) {
      if (a[first] !== a[i] || (b !== null && b[first] !== b[i])) {
        total += additive ? s * (i - first - 1) : (s * s - sq) / 2;
        first = i;
        s = sq = 0;
      }
      w = weights[i];
      s += w;
      sq += w * w;
    }
    total += additive ? s * (n - first - 1) : (s * s - sq) / 2;
    return { total, constant: first === 0 };
  };

  const t = tiedWeight(sx, sy, sw).total;
  const tiesX = tiedWeight(sx, null, sw);
  if (tiesX.constant) return NaN;
  const u = tiesX.total;

  // Bottom-up merge sort of (y, w) by y, ping-ponging between two buffers. When a right-block element
  // overtakes the l left-block elements still unmerged (all with larger y), those l pairs are exchanged:
  // additive weight w·l + (their weight sum), multiplicative w·(their weight sum). blockSum[lo] holds the
  // weight sum of the block starting at lo. Same pairs as scipy's top-down recursion; the floating-point
  // summation order differs (agreement to ~1e-15 relative).
  let srcY: Float64Array = sy;
  let srcW: Float64Array = sw;
  let dstY: Float64Array = new Float64Array(n);
  let dstW: Float64Array = new Float64Array(n);
  const blockSum = Float64Array.from(sw);
  let exchanges = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      if (mid >= hi || srcY[mid - 1] < srcY[mid]) {
        // No right block, or already in order: nothing is exchanged.
        for (let q = lo; q < hi; q++) {
          dstY[q] = srcY[q];
          dstW[q] = srcW[q];
        }
        if (mid < hi) blockSum[lo] += blockSum[mid];
        continue;
      }
      let residual = blockSum[lo];
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (srcY[i] <= srcY[j]) {
          dstY[k] = srcY[i];
          dstW[k++] = srcW[i];
          residual -= srcW[i++];
        } else {
          const w = srcW[j];
          exchanges += additive ? w * (mid - i) + residual : w * residual;
          dstY[k] = srcY[j++];
          dstW[k++] = w;
        }
      }
      while (i < mid) {
        dstY[k] = srcY[i];
        dstW[k++] = srcW[i++];
      }
      while (j < hi) {
        dstY[k] = srcY[j];
        dstW[k++] = srcW[j++];
      }
      blockSum[lo] += blockSum[mid];
    }
    [srcY, dstY] = [dstY, srcY];
    [srcW, dstW] = [dstW, srcW];
  }
  // srcY / srcW now hold y ascending with its weights.
  const yAscending = srcY;
  const wAscending = srcW;

  const tiesY = tiedWeight(yAscending, null, wAscending);
  if (tiesY.constant) return NaN;
  const v = tiesY.total;

  let s = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const w = wAscending[i];
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
