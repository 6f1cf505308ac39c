/**
 * Quantile of an ascending-sorted sample by linear interpolation between order statistics (numpy's default,
 * `method='linear'`, Hyndman & Fan type 7): h = (m - 1) q, Q = s_⌊h⌋ + (h - ⌊h⌋)(s_⌊h⌋+1 - s_⌊h⌋). The
 * interpolation is evaluated as numpy does (from the upper neighbour when the fraction is >= 1/2), so results
 * agree with np.quantile to the bit.
 * @throws RangeError on an empty sample or q outside [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) throw new RangeError('quantileSorted: empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileSorted: q must be in [0, 1], got ${q}`);
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  if (lo >= m - 1) return sorted[m - 1];
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Highest-density interval of a sample: the narrowest interval [s_i, s_{i+k}] with k = ⌊p m⌋ over the sorted
 * sample (arviz's `hdi` for unimodal samples); the first (lowest) one when several are equally narrow.
 * @throws RangeError on an empty sample or p outside (0, 1).
 */
export function hdiSorted(sorted: ArrayLike<number>, p: number): [number, number] {
  const m = sorted.length;
  if (m === 0) throw new RangeError('hdiSorted: empty sample');
  if (!(p > 0 && p < 1)) throw new RangeError(`hdiSorted: probability must be in (0, 1), got ${p}`);
  const k = Math.floor(p * m);
  let best = 0;
  let width = Infinity;
  for (let i = 0; i + k < m; i++) {
    const w = sorted[i + k] - sorted[i];
    if (w < width) {
      width = w;
      best = i;
    }
  }
  return [sorted[best], sorted[best + k]];
}
