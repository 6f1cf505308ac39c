import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kendallExactPValue, kendallTauB, kendallTieSums } from '../kendall-tau';
import { expectClose, loadStatsGolden } from './golden';

const golden = loadStatsGolden();

/** O(n²) definition of tau-b, independent of the merge-sort counting. */
function naiveTauB(x: number[], y: number[]): number {
  let s = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const a = Math.sign(x[i] - x[j]);
      const b = Math.sign(y[i] - y[j]);
      s += a * b;
      nx += a * a;
      ny += b * b;
    }
  }
  return s / Math.sqrt(nx * ny);
}

/** Exact two-sided p-value by enumerating all n! permutations (small n only). */
function enumeratedPValue(x: number[], y: number[]): number {
  const n = x.length;
  const observed = Math.abs(naiveTauB(x, y));
  const perm = Array.from({ length: n }, (_, i) => i);
  let extreme = 0;
  let total = 0;
  const visit = (k: number): void => {
    if (k === n) {
      total++;
      if (Math.abs(naiveTauB(x, perm.map((i) => y[i]))) >= observed - 1e-12) extreme++;
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i], perm[k]];
      visit(k + 1);
      [perm[k], perm[i]] = [perm[i], perm[k]];
    }
  };
  visit(0);
  return extreme / total;
}

describe('kendallTauB against scipy 1.10 (golden)', () => {
  for (const c of golden.correlations) {
    it(`${c.name}: statistic 1e-12, p (auto and asymptotic) 1e-9`, () => {
      const auto = kendallTauB(c.x, c.y);
      expectClose(auto.statistic, c.kendall_tau_b, 1e-12, 'tau');
      expectClose(auto.pValue, c.kendall_p_auto, 1e-9, 'p auto');
      const asym = kendallTauB(c.x, c.y, { method: 'asymptotic' });
      expectClose(asym.pValue, c.kendall_p_asymptotic, 1e-9, 'p asymptotic');
    });
  }
});

describe('kendallTauB against independent computations', () => {
  it('matches the O(n²) definition with many ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -3, max: 3 })), { minLength: 3, maxLength: 60 }),
        (pairs) => {
          const x = pairs.map((p) => p[0]);
          const y = pairs.map((p) => p[1]);
          const naive = naiveTauB(x, y);
          const { statistic } = kendallTauB(x, y);
          if (Number.isNaN(naive)) return Number.isNaN(statistic);
          return Math.abs(statistic - naive) <= 1e-12;
        },
      ),
    );
  });

  it('exact p-value equals full permutation enumeration (n = 7)', () => {
    const x = [0.3, 1.2, -0.5, 2.2, 0.9, 1.7, -1.1];
    const y = [1.0, 0.2, -0.7, 2.5, 0.4, 0.1, -0.3];
    expectClose(kendallTauB(x, y).pValue, enumeratedPValue(x, y), 1e-12, 'exact p');
  });

  it('one-sided exact p-values add up to 1 + P(C = c)', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    const y = [2, 1, 4, 3, 6, 8, 5, 7];
    const less = kendallTauB(x, y, { alternative: 'less' }).pValue;
    const greater = kendallTauB(x, y, { alternative: 'greater' }).pValue;
    const two = kendallTauB(x, y).pValue;
    expect(greater).toBeCloseTo(two / 2, 14);
    expect(less + greater).toBeGreaterThan(1);
  });

  it('exact p-values (both recursions, n < 171 and n >= 171) equal exact BigInt Mahonian counts', () => {
    // P(C <= c) for n elements = #permutations with <= c inversions / n!, counted exactly.
    const exactTwoSided = (n: number, c: number): number => {
      let counts: bigint[] = [1n];
      for (let j = 2; j <= n; j++) {
        const next: bigint[] = new Array<bigint>(Math.min(c, counts.length - 1 + j - 1) + 1).fill(0n);
        counts.forEach((v, k) => {
          for (let d = 0; d < j && k + d < next.length; d++) next[k + d] += v;
        });
        counts = next;
      }
      let fact = 1n;
      for (let k = 2n; k <= BigInt(n); k++) fact *= k;
      const sum = counts.slice(0, c + 1).reduce((a, b) => a + b, 0n);
      // Ratio with ~64 significant bits whatever its magnitude, scaled back in steps to avoid overflow.
      const shift = fact.toString(2).length - (2n * sum).toString(2).length + 64;
      let value = Number(((2n * sum) << BigInt(shift)) / fact);
      for (let left = shift; left > 0; left -= 500) value /= 2 ** Math.min(500, left);
      return value;
    };
    for (const [n, c] of [[12, 20], [33, 200], [170, 40], [171, 40], [200, 300]] as const) {
      expectClose(kendallExactPValue(n, c), exactTwoSided(n, c), 1e-12, `n=${n} c=${c}`);
    }
  });
});

describe('kendallTieSums', () => {
  it('sums t(t-1)/2, t(t-1)(t-2) and t(t-1)(2t+5) over the runs of equal values, counted by hand', () => {
    // Runs of sizes 2 (the 1s), 1 (the 2) and 3 (the 3s).
    expect(kendallTieSums(Float64Array.from([1, 1, 2, 3, 3, 3]))).toEqual({ ties: 1 + 3, v0: 0 + 6, v1: 2 * 9 + 6 * 11 });
    expect(kendallTieSums(Float64Array.from([0.5, 1, 2]))).toEqual({ ties: 0, v0: 0, v1: 0 });
  });
});

describe('kendallTauB invariants (fast-check)', () => {
  const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const pairs = fc.array(fc.tuple(finite, finite), { minLength: 2, maxLength: 80 });

  it('tau is in [-1, 1] and symmetric in (x, y)', () => {
    fc.assert(
      fc.property(pairs, (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const a = kendallTauB(x, y);
        const b = kendallTauB(y, x);
        if (Number.isNaN(a.statistic)) return Number.isNaN(b.statistic);
        // Symmetric up to round-off: (C - D)/sqrt(P - Tx)/sqrt(P - Ty) divides in a different order.
        return (
          a.statistic >= -1 &&
          a.statistic <= 1 &&
          Math.abs(a.statistic - b.statistic) <= 4e-16 &&
          Math.abs(a.pValue - b.pValue) <= 1e-12 * a.pValue
        );
      }),
    );
  });

  it('is invariant under strictly increasing transforms and flips sign under decreasing ones', () => {
    // Integer data: the transforms below are strictly monotone in floating point too.
    const ints = fc.integer({ min: -500, max: 500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(ints, ints), { minLength: 2, maxLength: 80 }), (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const a = kendallTauB(x, y).statistic;
        const b = kendallTauB(x.map((v) => Math.exp(v / 100)), y.map((v) => v ** 3 - 7)).statistic;
        const c = kendallTauB(x.map((v) => -v), y).statistic;
        if (Number.isNaN(a)) return Number.isNaN(b) && Number.isNaN(c);
        return a === b && Math.abs(a + c) <= 1e-15;
      }),
    );
  });

  it('tau(x, x) = 1 without ties (to 2 ulp: the operation order C/sqrt(P)/sqrt(P) gives 1 - 2^-52 for n = 5)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(finite, { minLength: 2, maxLength: 80 }), (x) => Math.abs(kendallTauB(x, x).statistic - 1) <= 4e-16),
    );
  });
});

describe('kendallTauB bad input', () => {
  it('rejects length mismatch and n < 2', () => {
    expect(() => kendallTauB([1, 2, 3], [1, 2])).toThrow(/same length, got 3 and 2/);
    expect(() => kendallTauB([1], [1])).toThrow(/at least 2 pairs/);
    expect(() => kendallTauB([], [])).toThrow(/at least 2 pairs/);
  });

  it('rejects NaN and Infinity by default, naming the index', () => {
    expect(() => kendallTauB([1, NaN, 3], [1, 2, 3])).toThrow(/x\[1\] is NaN/);
    expect(() => kendallTauB([1, 2, 3], [1, 2, Infinity])).toThrow(/y\[2\] is Infinity/);
  });

  it('propagates or omits NaN when asked', () => {
    const r = kendallTauB([1, NaN, 3, 4], [1, 2, 3, 5], { nanPolicy: 'propagate' });
    expect(Number.isNaN(r.statistic) && Number.isNaN(r.pValue)).toBe(true);
    const o = kendallTauB([1, NaN, 3, 4, 2], [1, 2, 3, 5, 3], { nanPolicy: 'omit' });
    expect(o).toEqual(kendallTauB([1, 3, 4, 2], [1, 3, 5, 3]));
    expect(() => kendallTauB([1, NaN], [1, 2], { nanPolicy: 'omit' })).toThrow(/after omitting/);
  });

  it('returns documented NaN for constant input', () => {
    const r = kendallTauB([2, 2, 2], [1, 2, 3]);
    expect(Number.isNaN(r.statistic) && Number.isNaN(r.pValue)).toBe(true);
  });

  it('kendallExactPValue validates its arguments and refuses the O(n³) recursion above n = 1000', () => {
    expect(() => kendallExactPValue(0, 0)).toThrow(/n must be an integer >= 1/);
    expect(() => kendallExactPValue(5, 11)).toThrow(/concordant must be an integer in \[0, 10\]/);
    expect(() => kendallExactPValue(2000, 900_000)).toThrow(/limited to n <= 1000/);
    expect(kendallExactPValue(2000, 0)).toBe(0); // closed form 2/n! underflows to 0 for n >= 171
  });

  it('rejects the exact method with ties and unknown options', () => {
    expect(() => kendallTauB([1, 1, 2], [1, 2, 3], { method: 'exact' })).toThrow(/ties found/);
    expect(() => kendallTauB([1, 2], [1, 2], { method: 'fast' as never })).toThrow(/method must be/);
    expect(() => kendallTauB([1, 2], [1, 2], { alternative: 'up' as never })).toThrow(/alternative must be/);
    expect(() => kendallTauB([1, 2], [1, 2], { nanPolicy: 'ignore' as never })).toThrow(/nanPolicy must be/);
    expect(() => kendallTauB([1, '2' as never], [1, 2])).toThrow(/x\[1\] must be a number/);
  });
});
