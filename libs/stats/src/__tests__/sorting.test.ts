import { describe, it } from 'vitest';
import fc from 'fast-check';
import { sortCountingInversions, sortPairs, stableArgsort } from '../sorting';

// Small value ranges force many ties; lengths well above the insertion-sort run (16) exercise the merges.
const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0, Infinity, -Infinity, 0.5));
const arrays = fc.array(fc.tuple(value, value), { minLength: 0, maxLength: 300 });

/** Reference: Array.prototype.sort (stable since ES2019) on (a, b, index). */
function referenceOrder(a: number[], b: number[]): number[] {
  return a.map((_, i) => i).sort((i, j) => (a[i] < a[j] ? -1 : a[i] > a[j] ? 1 : b[i] < b[j] ? -1 : b[i] > b[j] ? 1 : 0));
}

describe('sorting utilities', () => {
  it('stableArgsort and sortPairs give the stable lexicographic order', () => {
    fc.assert(
      fc.property(arrays, (p) => {
        const a = p.map((v) => v[0]);
        const b = p.map((v) => v[1]);
        const expected = referenceOrder(a, b);
        const perm = Array.from(stableArgsort(Float64Array.from(a), Float64Array.from(b)));
        const sorted = sortPairs(Float64Array.from(a), Float64Array.from(b));
        const keysOnly = sortPairs(Float64Array.from(a), Float64Array.from(b), false);
        return (
          perm.every((v, k) => v === expected[k]) &&
          Array.from(sorted.index).every((v, k) => v === expected[k]) &&
          expected.every((i, k) => sorted.a[k] === a[i] && sorted.b[k] === b[i]) &&
          expected.every((i, k) => keysOnly.a[k] === a[i] && keysOnly.b[k] === b[i]) &&
          keysOnly.index.length === 0
        );
      }),
    );
  });

  it('sortCountingInversions sorts and counts strict inversions', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (v) => {
        let expected = 0;
        for (let i = 0; i < v.length; i++) for (let j = i + 1; j < v.length; j++) if (v[i] > v[j]) expected++;
        const arr = Float64Array.from(v);
        const count = sortCountingInversions(arr);
        const sorted = [...v].sort((p, q) => p - q);
        return count === expected && sorted.every((x, i) => x === arr[i]);
      }),
    );
  });
});
