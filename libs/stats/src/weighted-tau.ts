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
 * on y that accumulates the weight of the exchanged pairs), as scipy's `_weightedrankedtau`. The tie sums are
 * accumulated in scipy's order, the exchange weights bottom-up, so results agree to round-off.
 * `rank === null` means the decreasing lexicographic ranking by (x, y). Low-level: x and y must already be
 * finite (use {@link weightedTau} for validated input); only their lengths are checked here.
 * @throws RangeError on unequal lengths or n < 2, or a negative or non-finite weight.
 */
export function weightedRankedTau(
  x: Float64Array,
  y: Float64Array,
  rank: Float64Array | null,
  weigher: Weigher,
  additive: boolean,
): number {
  const n = x.length;
  if (y.length !== n || n < 2 || (rank !== null && rank.length !== n)) {
    throw new RangeError(`weightedRankedTau: x, y (and rank) must have one equal length >= 2, got ${n} and ${y.length}`);
  }
  // Keys and weights travel together in sorted order (sx, sy, sw), so every pass reads memory sequentially.
  const { a: sx, b: sy, index } = sortPairs(x, y, rank !== null);
  let sw: Float64Array;
  if (rank === null) {
    sw = positionalWeights(n, weigher);
  } else {
    sw = new Float64Array(n);
    for (let p = 0; p < n; p++) sw[p] = checkedWeight(weigher(rank[index[p]]), index[p]);
  }
  return sortedWeightedTau(sx, sy, sw, additive, false).tau;
}

function checkedWeight(w: number, element: number): number {
  if (!(w >= 0) || !Number.isFinite(w)) {
    throw new RangeError(`weightedTau: the weigher returned ${w} for element ${element}; weights must be finite and >= 0`);
  }
  return w;
}

/** Weights of the decreasing lexicographic ranking of pairs sorted ascending: position p has rank n-1-p. */
function positionalWeights(n: number, weigher: Weigher): Float64Array {
  const w = new Float64Array(n);
  for (let p = 0; p < n; p++) w[p] = checkedWeight(weigher(n - 1 - p), p);
  return w;
}

/** Weight of the pairs tied within runs of equal `a` (and equal `b` too, when given), `a` sorted. */
function tiedWeight(
  a: Float64Array,
  b: Float64Array | null,
  weights: Float64Array,
  additive: boolean,
): { total: number; constant: boolean } {
  const n = a.length;
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
}

const RUN = 8;

/**
 * Stable sort of (y, w) by y, ascending, returning the total weight of the exchanged (inverted) pairs: when an
 * element overtakes l elements with larger y, those l pairs are exchanged, with additive weight w·l + (their
 * weight sum) or multiplicative w·(their weight sum). Runs of RUN are sorted by insertion, then merged
 * bottom-up (blockSum[lo] = weight of the block starting at lo). Same pairs as scipy's top-down recursion;
 * the floating-point summation order differs (agreement to ~1e-15 relative). `carry`, when given, is permuted
 * along (one more array moved, in a separate loop so the common case pays nothing for it).
 */
function sortByYCountingExchanges(
  yIn: Float64Array,
  wIn: Float64Array,
  carryIn: Float64Array | null,
  additive: boolean,
): { exchanges: number; y: Float64Array; w: Float64Array; carry: Float64Array | null } {
  const n = yIn.length;
  let srcY = yIn;
  let srcW = wIn;
  let srcC = carryIn;
  const blockSum = new Float64Array(n);
  let exchanges = 0;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    let total = srcW[lo];
    for (let i = lo + 1; i < hi; i++) {
      const yv = srcY[i];
      const wv = srcW[i];
      const cv = srcC === null ? 0 : srcC[i];
      total += wv;
      let passed = 0;
      let j = i - 1;
      while (j >= lo && srcY[j] > yv) {
        passed += srcW[j];
        srcY[j + 1] = srcY[j];
        srcW[j + 1] = srcW[j];
        if (srcC !== null) srcC[j + 1] = srcC[j];
        j--;
      }
      if (j < i - 1) {
        exchanges += additive ? wv * (i - 1 - j) + passed : wv * passed;
        srcY[j + 1] = yv;
        srcW[j + 1] = wv;
        if (srcC !== null) srcC[j + 1] = cv;
      }
    }
    blockSum[lo] = total;
  }
  let dstY: Float64Array = new Float64Array(n);
  let dstW: Float64Array = new Float64Array(n);
  let dstC: Float64Array | null = srcC === null ? null : new Float64Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      if (mid >= hi || srcY[mid - 1] < srcY[mid]) {
        // No right block, or already in order: nothing is exchanged.
        for (let q = lo; q < hi; q++) {
          dstY[q] = srcY[q];
          dstW[q] = srcW[q];
        }
        if (srcC !== null && dstC !== null) for (let q = lo; q < hi; q++) dstC[q] = srcC[q];
        if (mid < hi) blockSum[lo] += blockSum[mid];
        continue;
      }
      let residual = blockSum[lo];
      let i = lo;
      let j = mid;
      let k = lo;
      if (srcC === null || dstC === null) {
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
      } else {
        while (i < mid && j < hi) {
          if (srcY[i] <= srcY[j]) {
            dstC[k] = srcC[i];
            dstY[k] = srcY[i];
            dstW[k++] = srcW[i];
            residual -= srcW[i++];
          } else {
            const w = srcW[j];
            exchanges += additive ? w * (mid - i) + residual : w * residual;
            dstC[k] = srcC[j];
            dstY[k] = srcY[j++];
            dstW[k++] = w;
          }
        }
        // Plain loops for the tails: most blocks are small, where subarray views cost more than they save.
        for (let q = i, r = k; q < mid; q++) dstC[r++] = srcC[q];
        for (let q = j, r = k + mid - i; q < hi; q++) dstC[r++] = srcC[q];
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
    [srcC, dstC] = [dstC, srcC];
  }
  return { exchanges, y: srcY, w: srcW, carry: srcC };
}

interface SortedWeightedTau {
  readonly tau: number;
  /** With `carryX`: the pairs in (y, x) lexicographic order (stable), as y and the x values along it. */
  readonly byY?: { readonly y: Float64Array; readonly x: Float64Array };
}

/**
 * Weighted tau of pairs already sorted by (x, y), weights in that order (the arrays are consumed). With
 * `carryX`, x is permuted along the stable sort by y, which yields the (y, x) order that the second ranking of
 * `rank: true` starts from: one full sort saved.
 */
function sortedWeightedTau(
  sx: Float64Array,
  sy: Float64Array,
  sw: Float64Array,
  additive: boolean,
  carryX: boolean,
): SortedWeightedTau {
  const n = sx.length;
  const t = tiedWeight(sx, sy, sw, additive).total;
  const tiesX = tiedWeight(sx, null, sw, additive);
  if (tiesX.constant) return { tau: NaN };
  const u = tiesX.total;

  const sorted = sortByYCountingExchanges(sy, sw, carryX ? sx : null, additive);
  const tiesY = tiedWeight(sorted.y, null, sorted.w, additive);
  if (tiesY.constant) return { tau: NaN };
  const v = tiesY.total;

  let s = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const w = sorted.w[i];
    s += w;
    sq += w * w;
  }
  const tot = additive ? s * (n - 1) : (s * s - sq) / 2;
  const tau = (tot - (v + u - t) - 2 * sorted.exchanges) / Math.sqrt(tot - u) / Math.sqrt(tot - v);
  // Round-off can leave [-1, 1] by an ulp.
  const clamped = Math.min(1, Math.max(-1, tau));
  return sorted.carry === null ? { tau: clamped } : { tau: clamped, byY: { y: sorted.y, x: sorted.carry } };
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
    // Ranking by (x, y); its stable sort by y hands back the (y, x) order, so the second ranking needs no sort.
    const { a: sx, b: sy } = sortPairs(xs, ys, false);
    const first = sortedWeightedTau(sx, sy, positionalWeights(n, weigher), additive, true);
    if (first.byY === undefined) return { statistic: NaN };
    const second = sortedWeightedTau(first.byY.y, first.byY.x, positionalWeights(n, weigher), additive, false);
    return { statistic: (first.tau + second.tau) / 2 };
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
