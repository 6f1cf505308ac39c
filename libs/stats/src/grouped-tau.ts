import { type NanPolicy, pairedSample } from './input';
import { stableArgsort } from './sorting';
import { type Weigher, hyperbolicWeigher } from './weighted-tau';

/** Group label of each pair (e.g. the target dataset): strings or finite numbers, compared with ===. */
export type GroupLabel = string | number;

export interface GroupedKendallTauOptions {
  /** Weight pairs by the ranks of their elements (see Definition). Default `false` (every pair weight 1). */
  readonly weighted?: boolean;
  /** Rank weigher for `weighted: true`; default the hyperbolic 1/(r+1). */
  readonly weigher?: Weigher;
  /** Default `'raise'`; with `'omit'` a pair with a non-finite x or y is dropped together with its label. */
  readonly nanPolicy?: NanPolicy;
}

export interface GroupedKendallTauResult {
  /** Pooled coefficient in [-1, 1]; NaN when no within-group pair is untied in x (or in y), or NaN propagated. */
  readonly statistic: number;
  /** Number of within-group pairs (Σ_g n_g (n_g - 1) / 2). */
  readonly pairs: number;
  /** Number of groups with at least two members (the only ones contributing pairs). */
  readonly groups: number;
}

/**
 * Rank of each member (0 = first) in the decreasing lexicographic order by (a, b); fully tied members take the
 * reverse of their input order, exactly as scipy's weightedtau ranks (reversed stable lexsort).
 */
function decreasingLexRanks(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length;
  const perm = stableArgsort(a, b);
  const rank = new Float64Array(n);
  for (let k = 0; k < n; k++) rank[perm[n - 1 - k]] = k;
  return rank;
}

/**
 * Kendall tau pooled over groups: pairs are formed only within each group (e.g. models ranked on the same
 * target dataset) and all groups' pairs enter one tau-b-style coefficient, the grouped tau of the study's
 * follow-up benchmark. Unweighted, with one group, it equals {@link kendallTauB}'s statistic.
 *
 * @param x - length n, finite numbers (e.g. transferability scores).
 * @param y - length n, paired with x (e.g. fine-tuned accuracy).
 * @param groups - length n, the group label of each pair.
 * @param options - `weighted` (default `false`), `weigher` (default 1/(r+1)), `nanPolicy` (default `'raise'`).
 * @returns `{ statistic, pairs, groups }`; statistic NaN when every within-group pair is tied in x or in y
 *   (including when no group has two members).
 * @throws RangeError on length mismatch, n < 2, non-finite values (with `'raise'`), a label that is neither a
 *   string nor a finite number, or a weigher returning a negative or non-finite weight.
 *
 * **Definition.** For each group g with members G_g, let rx_i be the rank of i within G_g in the decreasing
 * lexicographic order by (x, y) and ry_i by (y, x) (rank 0 = largest; members tied in both keys are ranked
 * later-index-first, as scipy.stats.weightedtau does). A pair {i, j} ⊂ G_g has weight
 * W_ij = w(rx_i) + w(rx_j) + w(ry_i) + w(ry_j) with w(r) = 1/(r + 1) when `weighted`, and W_ij = 1 otherwise.
 * With s_ij = sgn(x_i - x_j) sgn(y_i - y_j),
 *   tau_G = Σ_g Σ_{i<j ∈ G_g} W_ij s_ij / sqrt(Σ_g Σ W_ij [x_i ≠ x_j] · Σ_g Σ W_ij [y_i ≠ y_j]).
 * Pairs across groups never count. Ties follow tau-b (a pair tied in x drops out of the numerator and the
 * x factor). Note this is one coefficient over the pooled pairs, not an average of per-group coefficients,
 * and (weighted) not scipy's weightedtau, which averages two coefficients each weighted by one ranking.
 * Complexity O(Σ_g n_g²) time (groups are small: models per dataset), O(n) memory.
 *
 * **References.** M. G. Kendall, "The treatment of ties in ranking problems", Biometrika 33(3):239-251, 1945.
 * S. Vigna, "A weighted correlation index for rankings with ties", Proc. WWW 2015 (hyperbolic, additive
 * weights). Grouped pooling: the transferability benchmark following the study (pairs within datasets).
 *
 * @example
 * groupedKendallTau([1, 2, 3, 10, 30, 20], [1, 3, 2, 5, 6, 7], ['a', 'a', 'a', 'b', 'b', 'b']).statistic;
 * // 0.3333333333333334 (4 concordant, 2 discordant pairs; the 9 cross-group pairs are ignored)
 */
export function groupedKendallTau(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  groups: ArrayLike<GroupLabel>,
  options: GroupedKendallTauOptions = {},
): GroupedKendallTauResult {
  const { weighted = false, weigher = hyperbolicWeigher, nanPolicy = 'raise' } = options;
  const fn = 'groupedKendallTau';
  if (groups === null || groups === undefined || typeof groups.length !== 'number') {
    throw new TypeError(`${fn}: groups must be an array-like of labels`);
  }
  if (groups.length !== x.length) {
    throw new RangeError(`${fn}: groups must have one label per pair (${x.length}), got ${groups.length}`);
  }
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (typeof g !== 'string' && !(typeof g === 'number' && Number.isFinite(g))) {
      throw new RangeError(`${fn}: groups[${i}] must be a string or a finite number, got ${String(g)}`);
    }
  }
  let labels: ArrayLike<GroupLabel> = groups;
  let xIn = x;
  let yIn = y;
  if (nanPolicy === 'omit') {
    // Drop non-finite pairs here so that the labels stay aligned with the values.
    const keep: number[] = [];
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) keep.push(i);
    if (keep.length !== x.length && y.length === x.length) {
      xIn = keep.map((i) => x[i]);
      yIn = keep.map((i) => y[i]);
      labels = keep.map((i) => groups[i]);
    }
  }
  const sample = pairedSample(xIn, yIn, fn, nanPolicy);
  if (sample.hasNaN) return { statistic: NaN, pairs: NaN, groups: NaN };
  const xs = sample.x;
  const ys = sample.y;

  const members = new Map<GroupLabel, number[]>();
  for (let i = 0; i < xs.length; i++) {
    const list = members.get(labels[i]);
    if (list) list.push(i);
    else members.set(labels[i], [i]);
  }

  let numerator = 0;
  let untiedX = 0;
  let untiedY = 0;
  let pairs = 0;
  let contributing = 0;
  for (const idx of members.values()) {
    const m = idx.length;
    if (m < 2) continue;
    contributing++;
    pairs += (m * (m - 1)) / 2;
    const gx = Float64Array.from(idx, (i) => xs[i]);
    const gy = Float64Array.from(idx, (i) => ys[i]);
    // Per-member weight a_i = w(rx_i) + w(ry_i), so that W_ij = a_i + a_j.
    const a = new Float64Array(m).fill(0.5);
    if (weighted) {
      const rx = decreasingLexRanks(gx, gy);
      const ry = decreasingLexRanks(gy, gx);
      for (let k = 0; k < m; k++) {
        const wx = weigher(rx[k]);
        const wy = weigher(ry[k]);
        if (!(wx >= 0 && wy >= 0) || !Number.isFinite(wx + wy)) {
          throw new RangeError(`${fn}: the weigher returned a negative or non-finite weight; weights must be finite and >= 0`);
        }
        a[k] = wx + wy;
      }
    }
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const w = a[i] + a[j];
        const sx = Math.sign(gx[i] - gx[j]);
        const sy = Math.sign(gy[i] - gy[j]);
        numerator += w * sx * sy;
        untiedX += w * sx * sx;
        untiedY += w * sy * sy;
      }
    }
  }
  if (untiedX === 0 || untiedY === 0) return { statistic: NaN, pairs, groups: contributing };
  const statistic = Math.min(1, Math.max(-1, numerator / Math.sqrt(untiedX) / Math.sqrt(untiedY)));
  return { statistic, pairs, groups: contributing };
}
