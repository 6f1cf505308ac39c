import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hyperbolicWeigher, weightedRankedTau, weightedTau } from '../weighted-tau';
import { expectClose, loadStatsGolden } from './golden';

const golden = loadStatsGolden();

/** Rank 0 for the largest (a, b) lexicographically; fully tied elements: later input index first (scipy). */
function lexRanks(a: number[], b: number[]): number[] {
  const order = a.map((_, i) => i).sort((i, j) => a[j] - a[i] || b[j] - b[i] || j - i);
  const r = new Array<number>(a.length);
  order.forEach((e, k) => (r[e] = k));
  return r;
}

/** O(n²) definition with explicit ranks. */
function naiveWeighted(x: number[], y: number[], rank: number[], additive = true): number {
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const wi = hyperbolicWeigher(rank[i]);
      const wj = hyperbolicWeigher(rank[j]);
      const w = additive ? wi + wj : wi * wj;
      const a = Math.sign(x[i] - x[j]);
      const b = Math.sign(y[i] - y[j]);
      num += w * a * b;
      dx += w * a * a;
      dy += w * b * b;
    }
  }
  return num / Math.sqrt(dx * dy);
}

describe('weightedTau against scipy 1.10 (golden)', () => {
  for (const c of golden.correlations) {
    it(`${c.name}: rank=true and rank=null at 1e-12`, () => {
      expectClose(weightedTau(c.x, c.y).statistic, c.weighted_tau, 1e-12, 'rank=true');
      expectClose(weightedTau(c.x, c.y, { rank: null }).statistic, c.weighted_tau_rank_none, 1e-12, 'rank=null');
    });
  }
});

describe('weightedTau against the O(n²) definition', () => {
  const small = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -4, max: 4 })), { minLength: 2, maxLength: 40 });
  it('rank=null, rank=false, explicit ranks, additive and multiplicative, with ties', () => {
    fc.assert(
      fc.property(small, fc.boolean(), (p, additive) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const close = (a: number, b: number): boolean => (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= 1e-12);
        const byXY = naiveWeighted(x, y, lexRanks(x, y), additive);
        const byYX = naiveWeighted(x, y, lexRanks(y, x), additive);
        const positional = naiveWeighted(x, y, x.map((_, i) => i), additive);
        const reversed = x.map((_, i) => x.length - 1 - i);
        return (
          close(weightedTau(x, y, { rank: null, additive }).statistic, byXY) &&
          close(weightedTau(x, y, { additive }).statistic, (byXY + byYX) / 2) &&
          close(weightedTau(x, y, { rank: false, additive }).statistic, positional) &&
          close(weightedTau(x, y, { rank: reversed, additive }).statistic, naiveWeighted(x, y, reversed, additive))
        );
      }),
    );
  });

  it('a constant weigher gives Kendall tau-b', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    const y = [2, 7, 1, 8, 2, 8, 1, 8];
    const tauB = naiveWeighted(x, y, x.map(() => 0)); // all weights equal
    expectClose(weightedTau(x, y, { weigher: () => 1 }).statistic, tauB, 1e-14, 'constant weigher');
  });
});

describe('weightedTau invariants (fast-check)', () => {
  const ints = fc.integer({ min: -300, max: 300 });
  const pairs = fc.array(fc.tuple(ints, ints), { minLength: 2, maxLength: 60 });
  it('in [-1, 1], symmetric (rank=true), invariant under increasing transforms', () => {
    fc.assert(
      fc.property(pairs, (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const a = weightedTau(x, y).statistic;
        const b = weightedTau(y, x).statistic;
        const c = weightedTau(x.map((v) => Math.exp(v / 50)), y.map((v) => v ** 3)).statistic;
        if (Number.isNaN(a)) return Number.isNaN(b) && Number.isNaN(c);
        return a >= -1 && a <= 1 && a === b && a === c;
      }),
    );
  });
  it('tau_w(x, x) = 1 without ties', () => {
    fc.assert(
      fc.property(fc.uniqueArray(ints, { minLength: 2, maxLength: 60 }), (x) => Math.abs(weightedTau(x, x).statistic - 1) <= 1e-15),
    );
  });
});

describe('weightedTau bad input', () => {
  it('rejects mismatched lengths, n < 2, non-finite values, bad ranks and weights', () => {
    expect(() => weightedTau([1, 2], [1])).toThrow(/same length/);
    expect(() => weightedTau([1], [1])).toThrow(/at least 2/);
    expect(() => weightedTau([1, NaN], [1, 2])).toThrow(/x\[1\] is NaN/);
    expect(() => weightedTau([1, 2, 3], [1, 2, -Infinity])).toThrow(/y\[2\] is -Infinity/);
    expect(() => weightedTau([1, 2, 3], [1, 2, 3], { rank: [0, 1] })).toThrow(/one entry per element/);
    expect(() => weightedTau([1, 2, 3], [1, 2, 3], { rank: [0, 1.5, 2] })).toThrow(/rank\[1\]/);
    expect(() => weightedTau([1, 2, 3], [1, 2, 3], { weigher: (r) => -r })).toThrow(/weights must be finite/);
    expect(() => weightedTau([1, NaN, 3], [1, 2, 3], { nanPolicy: 'omit', rank: [0, 1, 2] })).toThrow(/cannot be combined/);
    expect(() => weightedRankedTau(new Float64Array(3), new Float64Array(2), null, hyperbolicWeigher, true)).toThrow(/equal length/);
  });
  it('documents NaN for constant input and propagated NaN', () => {
    expect(Number.isNaN(weightedTau([1, 1, 1], [1, 2, 3]).statistic)).toBe(true);
    expect(Number.isNaN(weightedTau([1, 2, 3], [4, 4, 4], { rank: null }).statistic)).toBe(true);
    expect(Number.isNaN(weightedTau([1, NaN, 3], [1, 2, 3], { nanPolicy: 'propagate' }).statistic)).toBe(true);
    expect(weightedTau([1, NaN, 3, 2], [1, 2, 3, 5], { nanPolicy: 'omit' })).toEqual(weightedTau([1, 3, 2], [1, 3, 5]));
  });
});
