/**
 * Sorting utilities shared by the rank statistics. All are stable, O(n log n) bottom-up merge sorts on typed
 * arrays: JavaScript's `Array.prototype.sort` with a comparator is several times slower at n = 10^6, and the
 * statistics need stability to reproduce scipy's tie order (numpy's `lexsort`/`mergesort` are stable).
 * Inputs must not contain NaN (callers validate first); -0 and +0 compare equal.
 */

const INSERTION_RUN = 16;

/**
 * Indices that sort `primary` ascending, ties broken by `secondary` ascending (when given), remaining ties by
 * index (stability): the permutation numpy's `lexsort((secondary, primary))` returns.
 */
export function stableArgsort(primary: Float64Array, secondary?: Float64Array): Int32Array {
  const n = primary.length;
  let src = new Int32Array(n);
  let dst = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  const b = secondary;
  // Sorted runs of INSERTION_RUN by insertion sort (stable), then pairwise merges.
  for (let lo = 0; lo < n; lo += INSERTION_RUN) {
    const hi = Math.min(lo + INSERTION_RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = src[i];
      const av = primary[v];
      const bv = b === undefined ? 0 : b[v];
      let j = i - 1;
      while (j >= lo) {
        const u = src[j];
        const au = primary[u];
        if (au > av || (au === av && b !== undefined && b[u] > bv)) {
          src[j + 1] = u;
          j--;
        } else break;
      }
      src[j + 1] = v;
    }
  }
  for (let width = INSERTION_RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const l = src[i];
        const r = src[j];
        const al = primary[l];
        const ar = primary[r];
        // Take from the right only when strictly smaller: keeps equal keys in input order.
        if (ar < al || (ar === al && b !== undefined && b[r] < b[l])) {
          dst[k++] = r;
          j++;
        } else {
          dst[k++] = l;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/**
 * Sorts `values` ascending in place and returns the number of strict inversions, pairs i < j with
 * values[i] > values[j] (equal values are not inversions). Merge-sort counting: O(n log n) [Knight 1966].
 */
export function sortCountingInversions(values: Float64Array): number {
  const n = values.length;
  let src: Float64Array = values;
  let dst: Float64Array = new Float64Array(n);
  let inversions = 0;
  for (let lo = 0; lo < n; lo += INSERTION_RUN) {
    const hi = Math.min(lo + INSERTION_RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = src[i];
      let j = i - 1;
      while (j >= lo && src[j] > v) {
        src[j + 1] = src[j];
        j--;
      }
      inversions += i - 1 - j;
      src[j + 1] = v;
    }
  }
  for (let width = INSERTION_RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          inversions += mid - i;
          dst[k++] = src[j++];
        } else {
          dst[k++] = src[i++];
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== values) values.set(src);
  return inversions;
}

/** Lengths of the runs of equal values in an ascending-sorted array, in order. */
export function tieRunLengths(sorted: Float64Array): number[] {
  const runs: number[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[start]) {
      runs.push(i - start);
      start = i;
    }
  }
  return runs;
}
