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

/** Pairs sorted lexicographically, with the permutation that sorted them. */
export interface SortedPairs {
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** index[k] = input position of the k-th smallest pair; empty when not requested. */
  readonly index: Int32Array;
}

/**
 * Sorts the pairs (a_i, b_i) lexicographically ascending, ties by input position (stable): the same order as
 * {@link stableArgsort}(a, b), but the keys travel with the indices, so every pass reads memory sequentially
 * (several times faster at n = 10^6 than comparing through the permutation). `withIndex: false` skips the
 * permutation when only the sorted keys are needed.
 */
export function sortPairs(aIn: Float64Array, bIn: Float64Array, withIndex = true): SortedPairs {
  const n = aIn.length;
  let a = Float64Array.from(aIn);
  let b = Float64Array.from(bIn);
  let idx = new Int32Array(withIndex ? n : 0);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  for (let lo = 0; lo < n; lo += INSERTION_RUN) {
    const hi = Math.min(lo + INSERTION_RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const av = a[i];
      const bv = b[i];
      const iv = withIndex ? idx[i] : 0;
      let j = i - 1;
      while (j >= lo && (a[j] > av || (a[j] === av && b[j] > bv))) {
        a[j + 1] = a[j];
        b[j + 1] = b[j];
        if (withIndex) idx[j + 1] = idx[j];
        j--;
      }
      a[j + 1] = av;
      b[j + 1] = bv;
      if (withIndex) idx[j + 1] = iv;
    }
  }
  if (n <= INSERTION_RUN) return { a, b, index: idx };
  let a2 = new Float64Array(n);
  let b2 = new Float64Array(n);
  let idx2 = new Int32Array(idx.length);
  for (let width = INSERTION_RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      if (mid >= hi || a[mid - 1] < a[mid] || (a[mid - 1] === a[mid] && b[mid - 1] <= b[mid])) {
        // No right block, or already in order: copy (plain loops; subarray views cost more on small blocks).
        for (let q = lo; q < hi; q++) {
          a2[q] = a[q];
          b2[q] = b[q];
        }
        if (withIndex) for (let q = lo; q < hi; q++) idx2[q] = idx[q];
        continue;
      }
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const ai = a[i];
        const aj = a[j];
        // Take from the right only when strictly smaller: keeps equal pairs in input order.
        if (aj < ai || (aj === ai && b[j] < b[i])) {
          a2[k] = aj;
          b2[k] = b[j];
          if (withIndex) idx2[k] = idx[j];
          k++;
          j++;
        } else {
          a2[k] = ai;
          b2[k] = b[i];
          if (withIndex) idx2[k] = idx[i];
          k++;
          i++;
        }
      }
      while (i < mid) {
        a2[k] = a[i];
        b2[k] = b[i];
        if (withIndex) idx2[k] = idx[i];
        k++;
        i++;
      }
      while (j < hi) {
        a2[k] = a[j];
        b2[k] = b[j];
        if (withIndex) idx2[k] = idx[j];
        k++;
        j++;
      }
    }
    [a, a2] = [a2, a];
    [b, b2] = [b2, b];
    [idx, idx2] = [idx2, idx];
  }
  return { a, b, index: idx };
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
      if (mid >= hi || src[mid - 1] <= src[mid]) {
        for (let q = lo; q < hi; q++) dst[q] = src[q];
        continue;
      }
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
