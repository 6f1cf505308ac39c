import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { groupedKendallTau } from '../grouped-tau';
import { kendallTauB } from '../kendall-tau';
import { weightedRankedTau } from '../weighted-tau';

/** Decreasing lexicographic ranks by (a, b), later index first among full ties (independent of the library). */
function lexRanks(a: number[], b: number[]): number[] {
  const order = a.map((_, i) => i).sort((i, j) => a[j] - a[i] || b[j] - b[i] || j - i);
  const r = new Array<number>(a.length);
  order.forEach((e, k) => (r[e] = k));
  return r;
}

const ints = fc.integer({ min: -6, max: 6 });
const triples = fc.array(fc.tuple(ints, ints, fc.constantFrom('a', 'b', 'c')), { minLength: 2, maxLength: 40 });

describe('groupedKendallTau', () => {
  it('unweighted with one group equals kendallTauB', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ints, ints), { minLength: 2, maxLength: 40 }), (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const g = groupedKendallTau(x, y, x.map(() => 'only')).statistic;
        const k = kendallTauB(x, y).statistic;
        return Number.isNaN(k) ? Number.isNaN(g) : g === k;
      }),
    );
  });

  it('weighted with one group equals Vigna\'s additive weighted tau with element weights w(rx) + w(ry)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ints, ints), { minLength: 2, maxLength: 40 }), (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const rx = lexRanks(x, y);
        const ry = lexRanks(y, x);
        const element = x.map((_, i) => 1 / (rx[i] + 1) + 1 / (ry[i] + 1));
        const index = Float64Array.from(x, (_, i) => i);
        const reference = weightedRankedTau(Float64Array.from(x), Float64Array.from(y), index, (i) => element[i], true);
        const g = groupedKendallTau(x, y, x.map(() => 7), { weighted: true }).statistic;
        return Number.isNaN(reference) ? Number.isNaN(g) : Math.abs(g - reference) <= 1e-13;
      }),
    );
  });

  it('ignores cross-group pairs: equals the pooled O(n²) definition and is invariant to group relabelling', () => {
    fc.assert(
      fc.property(triples, fc.boolean(), (t, weighted) => {
        const x = t.map((v) => v[0]);
        const y = t.map((v) => v[1]);
        const g = t.map((v) => v[2]);
        // Independent pooled definition.
        let num = 0;
        let dx = 0;
        let dy = 0;
        for (const label of ['a', 'b', 'c']) {
          const idx = g.map((l, i) => (l === label ? i : -1)).filter((i) => i >= 0);
          const gx = idx.map((i) => x[i]);
          const gy = idx.map((i) => y[i]);
          const rx = lexRanks(gx, gy);
          const ry = lexRanks(gy, gx);
          for (let i = 0; i < idx.length; i++) {
            for (let j = i + 1; j < idx.length; j++) {
              const w = weighted ? 1 / (rx[i] + 1) + 1 / (rx[j] + 1) + 1 / (ry[i] + 1) + 1 / (ry[j] + 1) : 1;
              const a = Math.sign(gx[i] - gx[j]);
              const b = Math.sign(gy[i] - gy[j]);
              num += w * a * b;
              dx += w * a * a;
              dy += w * b * b;
            }
          }
        }
        const expected = num / Math.sqrt(dx * dy);
        const r = groupedKendallTau(x, y, g, { weighted });
        const relabelled = groupedKendallTau(x, y, g.map((l) => `dataset-${l}`), { weighted });
        const ok = Number.isFinite(expected)
          ? Math.abs(r.statistic - expected) <= 1e-13 && r.statistic >= -1 && r.statistic <= 1
          : Number.isNaN(r.statistic);
        return ok && Object.is(r.statistic, relabelled.statistic);
      }),
    );
  });

  it('reports pair and group counts; example in the docs', () => {
    const r = groupedKendallTau([1, 2, 3, 10, 30, 20, 5], [1, 3, 2, 5, 6, 7, 0], ['a', 'a', 'a', 'b', 'b', 'b', 'c']);
    expect(r.pairs).toBe(6);
    expect(r.groups).toBe(2);
    expect(r.statistic).toBeCloseTo(2 / 6, 15);
  });

  it('bad input and documented NaN', () => {
    expect(() => groupedKendallTau([1, 2], [1, 2], ['a'])).toThrow(/one label per pair/);
    expect(() => groupedKendallTau([1, 2], [1], ['a', 'a'])).toThrow(/same length/);
    expect(() => groupedKendallTau([1], [1], ['a'])).toThrow(/at least 2/);
    expect(() => groupedKendallTau([1, NaN], [1, 2], ['a', 'a'])).toThrow(/x\[1\] is NaN/);
    expect(() => groupedKendallTau([1, 2], [1, 2], ['a', null as never])).toThrow(/groups\[1\]/);
    expect(() => groupedKendallTau([1, 2], [1, 2], ['a', 'a'], { weighted: true, weigher: () => -1 })).toThrow(/weight/);
    expect(Number.isNaN(groupedKendallTau([1, 2], [1, 2], ['a', 'b']).statistic)).toBe(true);
    expect(Number.isNaN(groupedKendallTau([1, 1, 2], [1, 2, 3], ['a', 'a', 'b']).statistic)).toBe(true);
    const omitted = groupedKendallTau([1, NaN, 2, 3], [1, 5, 2, 4], ['a', 'a', 'a', 'a'], { nanPolicy: 'omit' });
    expect(omitted).toEqual(groupedKendallTau([1, 2, 3], [1, 2, 4], ['a', 'a', 'a']));
  });
});
