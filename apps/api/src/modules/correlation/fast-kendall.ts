import { createRng, hdiSorted, kendallCounts, kendallExactPValue, kendallTauB, kendallTauFromCounts, kendallTieSums, quantileSorted, type KendallCounts, type KendallTauResult } from '@transferscope/stats';
import { type RowSample } from './correlation-statistic';

/**
 * Kendall's tau-b for the API's row sizes (tens of models per dataset), bit for bit what `kendallTauB` of
 * @transferscope/stats returns, only cheaper: pair counts by direct comparison (O(n^2) without allocation beats
 * the O(n log n) sort below about a hundred pairs per row), and exact p-values memoised per (n, concordant pairs),
 * since a query asks for the same few hundred of them thousands of times. Both feed the same stats functions
 * (`kendallTauFromCounts`, `kendallExactPValue`), so every value is the one the library computes.
 */

/** Above this many models the sort-based count of the library is faster. */
const DIRECT_COUNT_MAX_N = 64;

const isFiniteArray = (v: Float64Array): boolean => {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
};

/** The pair counts of `kendallCounts` (same definition: D = pairs with (x_i - x_j)(y_i - y_j) < 0). */
function pairCounts(x: Float64Array, y: Float64Array): KendallCounts {
  const n = x.length;
  if (n > DIRECT_COUNT_MAX_N) return kendallCounts(x, y);
  let discordant = 0;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    for (let j = i + 1; j < n; j++) {
      // Finite doubles: a difference is 0 exactly when the values are equal.
      const dx = xi - x[j]!;
      const dy = yi - y[j]!;
      if (dx === 0 || dy === 0) ties++;
      else if (dx > 0 !== dy > 0) discordant++;
    }
  }
  // Tie-group sums (for the variance) come from the library's sort-based count; ties are rare in scores.
  if (ties > 0) return kendallCounts(x, y);
  return { n, discordant, tiedX: 0, tiedY: 0, tiedBoth: 0, x0: 0, x1: 0, y0: 0, y1: 0 };
}

const exactPValues = new Map<number, number>();

/** `kendallExactPValue(n, concordant)` (two-sided), computed once per argument pair. */
function exactPValue(n: number, concordant: number): number {
  const key = n * 1_000_000 + concordant;
  let p = exactPValues.get(key);
  if (p === undefined) {
    p = kendallExactPValue(n, concordant, 'two-sided');
    // A bounded table: n and concordant are at most a few thousand distinct pairs in practice.
    if (exactPValues.size > 100_000) exactPValues.clear();
    exactPValues.set(key, p);
  }
  return p;
}

/**
 * `kendallTauB(x, y)` with scipy's default p-value (`method: 'auto'`), or with the cheap asymptotic one when only
 * the statistic is wanted. Non-finite input goes to the library, which refuses it as before.
 */
export function fastKendallTauB(x: Float64Array, y: Float64Array, valueOnly: boolean): KendallTauResult {
  if (x.length < 2 || x.length !== y.length || !isFiniteArray(x) || !isFiniteArray(y)) return kendallTauB(x, y, valueOnly ? { method: 'asymptotic' } : {});
  return fromCounts(pairCounts(x, y), valueOnly);
}

/** Tau-b and its p-value from pair counts, as `kendallTauB` gives them (see fastKendallTauB). */
function fromCounts(counts: KendallCounts, valueOnly: boolean): KendallTauResult {
  if (valueOnly) return kendallTauFromCounts(counts, 'asymptotic');
  const { n, discordant, tiedX, tiedY } = counts;
  const total = (n * (n - 1)) / 2;
  // The library's 'auto' rule: exact without ties when n <= 33 or the statistic is at an extreme.
  const exact = tiedX === 0 && tiedY === 0 && (n <= 33 || Math.min(discordant, total - discordant) <= 1);
  if (!exact) return kendallTauFromCounts(counts, 'auto');
  const { statistic } = kendallTauFromCounts(counts, 'asymptotic');
  return { statistic, pValue: exactPValue(n, total - discordant) };
}

/**
 * A score vector shared by many rows (a baseline ranker's values over one model list: every (study, dataset,
 * protocol) listing those models correlates them with its own performances), with what tau-b needs of it alone
 * counted once: the sign of each pair's difference and its tie-group sums. Baselines tie often (parameter counts,
 * ImageNet accuracies), which sends {@link fastKendallTauB} to the library's sort-based count for every row.
 */
export interface PreparedScores {
  readonly n: number;
  /** sign(x_i - x_j) of the pairs i < j, row by row. */
  readonly sign: Int8Array;
  readonly tiedX: number;
  readonly x0: number;
  readonly x1: number;
  /** Results by discordant pairs (and valueOnly), filled as rows are counted. */
  readonly results: Map<number, KendallTauResult>;
}

/** {@link PreparedScores} of finite scores (null otherwise, or above the direct-count size). */
export function prepareScores(x: Float64Array): PreparedScores | null {
  const n = x.length;
  if (n < 2 || n > DIRECT_COUNT_MAX_N || !isFiniteArray(x)) return null;
  const sign = new Int8Array((n * (n - 1)) / 2);
  for (let i = 0, k = 0; i < n; i++) for (let j = i + 1; j < n; j++, k++) sign[k] = x[i]! > x[j]! ? 1 : x[i]! < x[j]! ? -1 : 0;
  const { ties: tiedX, v0: x0, v1: x1 } = kendallTieSums(Float64Array.from(x).sort());
  return { n, sign, tiedX, x0, x1, results: new Map() };
}

/**
 * `fastKendallTauB(x, y)` for prepared scores x and performances y without ties (the usual performance vector): the
 * same counts, so the same result (read-only: shared by the rows with the same counts); null when y ties, is not finite or has another length (take fastKendallTauB then).
 */
export function fastKendallTauBPrepared(x: PreparedScores, y: Float64Array, valueOnly: boolean): KendallTauResult | null {
  const { n, sign } = x;
  if (y.length !== n || !isFiniteArray(y)) return null;
  let discordant = 0;
  let tiedY = 0;
  for (let i = 0, k = 0; i < n; i++) {
    const yi = y[i]!;
    for (let j = i + 1; j < n; j++, k++) {
      const dy = yi - y[j]!;
      // No data-dependent branch (see inversions). A pair tied in x (sign 0) is neither; opposite signs: discordant.
      discordant += Number(sign[k]! * dy < 0);
      tiedY += Number(dy === 0);
    }
  }
  if (tiedY > 0) return null;
  // The result depends on (n, discordant) and x's tie sums: one read-only result per discordant count of x.
  const key = discordant * 2 + Number(valueOnly);
  let result = x.results.get(key);
  if (result === undefined) {
    result = Object.freeze(fromCounts({ n, discordant, tiedX: x.tiedX, tiedY: 0, tiedBoth: 0, x0: x.x0, x1: x.x1, y0: 0, y1: 0 }, valueOnly));
    x.results.set(key, result);
  }
  return result;
}

/**
 * The y-ascending order of `y` when its values are finite and distinct, else null: with it, tau-b of any x against
 * this y is {@link fastKendallTauBOrdered}. Rows of one (study, dataset) share one performance vector, so the order
 * is found once for all their metrics.
 */
export function ascendingOrder(y: Float64Array): Int32Array | null {
  if (!isFiniteArray(y)) return null;
  // Insertion sort: tens of models, where a typed array's sort with a comparator costs several times as much.
  const order = new Int32Array(y.length);
  for (let k = 0; k < y.length; k++) {
    const v = y[k]!;
    let i = k;
    for (; i > 0 && y[order[i - 1]!]! > v; i--) order[i] = order[i - 1]!;
    order[i] = k;
  }
  for (let k = 1; k < order.length; k++) if (y[order[k - 1]!] === y[order[k]!]) return null;
  return order;
}

let permuted = new Float64Array(64);

/**
 * The discordant pairs of x against a tie-free y, given `v` = x in y's ascending order: the inversions of v[0, n),
 * counted with one comparison per pair and no data-dependent branch (a third of the time of comparing both
 * differences on random scores). -1 when v has a tie (tau-b then needs the tie counts of the general path).
 */
function inversions(v: Float64Array, n: number): number {
  let discordant = 0;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    const vi = v[i]!;
    for (let j = i + 1; j < n; j++) {
      const vj = v[j]!;
      discordant += Number(vi > vj);
      ties += Number(vi === vj);
    }
  }
  return ties > 0 ? -1 : discordant;
}

const tieFreeResults = new Map<number, KendallTauResult>();

/**
 * `fromCounts` of a sample without ties: it depends on (n, discordant) alone, so one frozen result per pair is shared
 * by every row that has it (tens of thousands of rows, a few thousand distinct pairs).
 */
function tieFreeResult(n: number, discordant: number, valueOnly: boolean): KendallTauResult {
  const key = (n * 1_000_000 + discordant) * 2 + Number(valueOnly);
  let result = tieFreeResults.get(key);
  if (result === undefined) {
    result = Object.freeze(fromCounts({ n, discordant, tiedX: 0, tiedY: 0, tiedBoth: 0, x0: 0, x1: 0, y0: 0, y1: 0 }, valueOnly));
    if (tieFreeResults.size > 100_000) tieFreeResults.clear();
    tieFreeResults.set(key, result);
  }
  return result;
}

/**
 * `fastKendallTauB(x, y, valueOnly)` given `yOrder = ascendingOrder(y)` (so y has no ties): x taken in y's order, the
 * discordant pairs are its inversions. Ties in x or non-finite x go to `fastKendallTauB`. The result may be shared
 * between calls: read-only.
 */
export function fastKendallTauBOrdered(x: Float64Array, y: Float64Array, yOrder: Int32Array, valueOnly: boolean): KendallTauResult {
  const n = x.length;
  if (n < 2 || n > DIRECT_COUNT_MAX_N || yOrder.length !== n || !isFiniteArray(x)) return fastKendallTauB(x, y, valueOnly);
  if (permuted.length < n) permuted = new Float64Array(n);
  const v = permuted;
  for (let k = 0; k < n; k++) v[k] = x[yOrder[k]!]!;
  const discordant = inversions(v, n);
  if (discordant < 0) return fastKendallTauB(x, y, valueOnly);
  return tieFreeResult(n, discordant, valueOnly);
}

/**
 * {@link fastKendallTauBOrdered} without forming x: x taken in y's ascending order is `sign * values[base + gather[k]]`
 * (`gather` composes the pairing of scores with performances and `ascendingOrder(y)`), so a row is counted straight
 * from the vector read from the database. Null when that x has ties or non-finite values, or more models than the
 * direct count takes: the caller then forms x and takes {@link fastKendallTauBOrdered}.
 */
export function fastKendallTauBGathered(values: Float64Array, base: number, gather: Int32Array, sign: number, valueOnly: boolean): KendallTauResult | null {
  const n = gather.length;
  if (n < 2 || n > DIRECT_COUNT_MAX_N) return null;
  if (permuted.length < n) permuted = new Float64Array(n);
  const v = permuted;
  for (let k = 0; k < n; k++) {
    const x = sign * values[base + gather[k]!]!;
    // x - x is NaN for NaN and the infinities, 0 otherwise.
    if (x - x !== 0) return null;
    v[k] = x;
  }
  const discordant = inversions(v, n);
  return discordant < 0 ? null : tieFreeResult(n, discordant, valueOnly);
}

/**
 * The resampling of `bootstrap` (@transferscope/stats) for one seed, resample count and layout of strata (group
 * sizes): for each resample and stratum, the positions drawn and how often, in the library's draw order
 * (strata in order, `nextInt(size)` per member). Rows with the same layout share one table.
 */
export interface DrawTable {
  resamples: number;
  sizes: number[];
  /** Distinct drawn positions (within their stratum, ascending) and their multiplicities, resample after resample. */
  positions: Int32Array;
  counts: Int32Array;
  /** Start of resample b's stratum s in positions/counts at offsets[b * sizes.length + s]; one extra end entry. */
  offsets: Int32Array;
}

export function drawTable(seed: number, resamples: number, sizes: number[]): DrawTable {
  const rng = createRng(seed);
  const n = sizes.reduce((a, b) => a + b, 0);
  const positions = new Int32Array(resamples * n);
  const counts = new Int32Array(resamples * n);
  const offsets = new Int32Array(resamples * sizes.length + 1);
  const tally = new Int32Array(Math.max(1, ...sizes));
  let k = 0;
  for (let b = 0; b < resamples; b++) {
    for (let s = 0; s < sizes.length; s++) {
      const m = sizes[s]!;
      offsets[b * sizes.length + s] = k;
      for (let j = 0; j < m; j++) tally[rng.nextInt(m)]!++;
      for (let p = 0; p < m; p++) {
        if (tally[p]! > 0) {
          positions[k] = p;
          counts[k] = tally[p]!;
          k++;
          tally[p] = 0;
        }
      }
    }
  }
  offsets[resamples * sizes.length] = k;
  return { resamples, sizes, positions, counts, offsets };
}

export interface TauBootstrapResult {
  low: number;
  high: number;
  rejected: number;
}

/**
 * The bootstrap interval that `bootstrap(pairs, tau-b of the row, { seed, resamples, groups })` gives for a
 * KENDALL_TAU_B row (one group: its tau; several: the mean of the defined per-group taus), without building a
 * resample. A resample is a multiplicity c_p per original position p, so its pair counts are sums over the
 * distinct drawn positions: C - D = sum_{p<q} c_p c_q sign(x_p - x_q) sign(y_p - y_q), ties = sum_p c_p(c_p - 1)/2
 * plus sum over originally tied p<q of c_p c_q. These are exact integers, and tau-b is formed with the library's
 * expression, so each resampled value (and the interval) equals the library's to the last bit, at
 * O(distinct^2) per resample and group instead of a copy and a sort.
 */
export function tauBootstrap(sample: RowSample, table: DrawTable, level: number, interval: 'percentile' | 'hdi'): TauBootstrapResult | null {
  const { scores: x, performance: y, bounds } = sample;
  if (!isFiniteArray(x) || !isFiniteArray(y)) return null;
  const strata = bounds.map(([start, end]) => pairMatrices(x.subarray(start, end), y.subarray(start, end)));
  const S = strata.length;
  const accepted = new Float64Array(table.resamples);
  let m = 0;
  let rejected = 0;
  const { positions, counts, offsets } = table;
  for (let b = 0; b < table.resamples; b++) {
    let sum = 0;
    let defined = 0;
    for (let s = 0; s < S; s++) {
      const stratum = strata[s]!;
      const size = stratum.size;
      // groupStatistic: fewer than 2 models is no value.
      if (size < 2) continue;
      const from = offsets[b * S + s]!;
      const to = offsets[b * S + s + 1]!;
      let self = 0;
      let conMinusDis = 0;
      let tiedX = 0;
      let tiedY = 0;
      const { sign, tieX, tieY } = stratum;
      for (let a = from; a < to; a++) {
        const ca = counts[a]!;
        self += (ca * (ca - 1)) / 2;
        const row = positions[a]! * size;
        for (let c = a + 1; c < to; c++) {
          const w = ca * counts[c]!;
          const cell = row + positions[c]!;
          conMinusDis += w * sign[cell]!;
          if (tieX && tieX[cell]) tiedX += w;
          if (tieY && tieY[cell]) tiedY += w;
        }
      }
      tiedX += self;
      tiedY += self;
      const total = (size * (size - 1)) / 2;
      // kendallTauFromCounts: constant x or y has no tau.
      if (tiedX === total || tiedY === total) continue;
      // Its expression, operation for operation; C - D (the library's total - tiedX - tiedY + tiedBoth - 2D) is the
      // same exact integer, summed directly here.
      const tau = Math.min(1, Math.max(-1, conMinusDis / Math.sqrt(total - tiedX) / Math.sqrt(total - tiedY)));
      if (!Number.isFinite(tau)) continue;
      sum += tau;
      defined++;
    }
    const value = defined === 0 ? NaN : S === 1 ? sum : sum / defined;
    if (Number.isFinite(value)) accepted[m++] = value;
    else rejected++;
  }
  const distribution = accepted.slice(0, m).sort();
  if (m === 0) return { low: NaN, high: NaN, rejected };
  const alpha = 1 - level;
  if (interval === 'percentile') return { low: quantileSorted(distribution, alpha / 2), high: quantileSorted(distribution, 1 - alpha / 2), rejected };
  const [low, high] = hdiSorted(distribution, 1 - alpha);
  return { low, high, rejected };
}

/** sign(x_p - x_q) sign(y_p - y_q) for p < q (row-major, size x size), and the tie indicators where there are ties. */
function pairMatrices(x: Float64Array, y: Float64Array): { size: number; sign: Int8Array; tieX: Uint8Array | null; tieY: Uint8Array | null } {
  const size = x.length;
  const sign = new Int8Array(size * size);
  let tieX: Uint8Array | null = null;
  let tieY: Uint8Array | null = null;
  for (let p = 0; p < size; p++) {
    for (let q = p + 1; q < size; q++) {
      const dx = x[p]! - x[q]!;
      const dy = y[p]! - y[q]!;
      sign[p * size + q] = Math.sign(dx) * Math.sign(dy);
      if (dx === 0) (tieX ??= new Uint8Array(size * size))[p * size + q] = 1;
      if (dy === 0) (tieY ??= new Uint8Array(size * size))[p * size + q] = 1;
    }
  }
  return { size, sign, tieX, tieY };
}

/** A row the batched bootstrap takes: one group, at least 2 models, finite values, no ties in scores or performance. */
export function batchable(sample: RowSample): boolean {
  const { scores: x, performance: y, bounds } = sample;
  if (bounds.length !== 1 || x.length < 2 || !isFiniteArray(x) || !isFiniteArray(y)) return false;
  const n = x.length;
  for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) if (x[p] === x[q] || y[p] === y[q]) return false;
  return true;
}

/** Index of the pair p < q among the size (size - 1) / 2 pairs, row by row. */
const pairIndex = (p: number, q: number, size: number): number => p * size - (p * (p + 1)) / 2 + (q - p - 1);

/** Per table: for each resample, the pairs of distinct drawn positions (as an upper-triangle index) and their weight c_p c_q. */
const pairLists = new WeakMap<DrawTable, { pair: Int32Array; weight: Float64Array; offsets: Int32Array; self: Float64Array }>();

function pairList(table: DrawTable) {
  let list = pairLists.get(table);
  if (list) return list;
  const size = table.sizes[0]!;
  const { positions, counts, offsets: drawn } = table;
  let pairs = 0;
  for (let b = 0; b < table.resamples; b++) {
    const k = drawn[b + 1]! - drawn[b]!;
    pairs += (k * (k - 1)) / 2;
  }
  const pair = new Int32Array(pairs);
  const weight = new Float64Array(pairs);
  const offsets = new Int32Array(table.resamples + 1);
  const self = new Float64Array(table.resamples);
  let k = 0;
  for (let b = 0; b < table.resamples; b++) {
    offsets[b] = k;
    for (let a = drawn[b]!; a < drawn[b + 1]!; a++) {
      const ca = counts[a]!;
      self[b]! += (ca * (ca - 1)) / 2;
      for (let c = a + 1; c < drawn[b + 1]!; c++) {
        pair[k] = pairIndex(positions[a]!, positions[c]!, size);
        weight[k] = ca * counts[c]!;
        k++;
      }
    }
  }
  offsets[table.resamples] = k;
  list = { pair, weight, offsets, self };
  pairLists.set(table, list);
  return list;
}

/**
 * {@link tauBootstrap} for many rows at once, all of one group of the table's size and without ties (see
 * {@link batchable}): the resamples' C - D for every row is one sparse-times-dense product (resample pair weights
 * times the rows' pair signs), with the rows innermost so the loop runs over contiguous memory. Without ties the
 * only tied pairs of a resample are repeats of one position, sum_p c_p(c_p - 1)/2 in both x and y.
 */
export function tauBootstrapBatch(samples: RowSample[], table: DrawTable, level: number, interval: 'percentile' | 'hdi'): TauBootstrapResult[] {
  const R = samples.length;
  const size = table.sizes[0]!;
  if (table.sizes.length !== 1 || samples.some((sample) => sample.scores.length !== size)) throw new Error('tauBootstrapBatch: every row must have the table layout');
  // signs[pairIndex(p, q) * R + r] = sign(x_p - x_q) sign(y_p - y_q) of row r, for p < q: bytes, so a chunk of rows
  // stays in cache (30 models x 64 rows: 28 KB).
  const signs = new Int8Array(((size * (size - 1)) / 2) * R);
  samples.forEach(({ scores: x, performance: y }, r) => {
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) signs[pairIndex(p, q, size) * R + r] = Math.sign(x[p]! - x[q]!) * Math.sign(y[p]! - y[q]!);
  });
  const { pair, weight, offsets, self } = pairList(table);
  const total = (size * (size - 1)) / 2;
  const distributions = samples.map(() => new Float64Array(table.resamples));
  const accepted = new Int32Array(R);
  const acc = new Float64Array(R);
  for (let b = 0; b < table.resamples; b++) {
    acc.fill(0);
    for (let k = offsets[b]!; k < offsets[b + 1]!; k++) {
      const w = weight[k]!;
      const base = pair[k]! * R;
      for (let r = 0; r < R; r++) acc[r]! += w * signs[base + r]!;
    }
    const tied = self[b]!;
    // Every draw the same model: constant x and y, no tau (rejected).
    if (tied === total) continue;
    for (let r = 0; r < R; r++) {
      // kendallTauFromCounts' expression with tiedX = tiedY = tied.
      const tau = Math.min(1, Math.max(-1, acc[r]! / Math.sqrt(total - tied) / Math.sqrt(total - tied)));
      distributions[r]![accepted[r]!++] = tau;
    }
  }
  const alpha = 1 - level;
  return distributions.map((values, r) => {
    const m = accepted[r]!;
    const rejected = table.resamples - m;
    if (m === 0) return { low: NaN, high: NaN, rejected };
    const sorted = values.subarray(0, m).sort();
    if (interval === 'percentile') return { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2), rejected };
    const [low, high] = hdiSorted(sorted, 1 - alpha);
    return { low, high, rejected };
  });
}
