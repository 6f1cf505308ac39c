import { stableArgsort } from './sorting';

/**
 * Ranks 1..n with ties replaced by the mean of the ranks they span (`scipy.stats.rankdata(a)`, method
 * 'average'). O(n log n). Values must not be NaN (callers validate). Tied ranks are exact halves or integers.
 */
export function averageRanks(values: Float64Array): Float64Array {
  const n = values.length;
  const order = stableArgsort(values);
  const ranks = new Float64Array(n);
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || values[order[i]] !== values[order[start]]) {
      // Positions start..i-1 hold ranks start+1..i; their mean is (start + 1 + i) / 2.
      const r = (start + 1 + i) / 2;
      for (let k = start; k < i; k++) ranks[order[k]] = r;
      start = i;
    }
  }
  return ranks;
}
