/**
 * Pairwise (cascade) summation: error O(ε log n) instead of O(ε n) for a running sum, the scheme numpy uses
 * for `sum`/`mean` of contiguous float64 arrays (blocks of 8 partial sums below 128 elements, halving above).
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, end = values.length): number {
  const n = end - start;
  if (n < 8) {
    let s = 0;
    for (let i = start; i < end; i++) s += values[i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = start + 8;
    for (; i < end - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < end; i++) s += values[i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, start + half) + pairwiseSum(values, start + half, end);
}

/** Arithmetic mean by {@link pairwiseSum}. */
export function mean(values: ArrayLike<number>): number {
  return pairwiseSum(values) / values.length;
}
