import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pearson } from '../pearson';
import { averageRanks } from '../rankdata';
import { spearman } from '../spearman';
import { studentTSf } from '../special-functions';
import { expectClose, loadStatsGolden } from './golden';

const golden = loadStatsGolden();

describe('pearson and spearman against scipy 1.10 (golden)', () => {
  for (const c of golden.correlations) {
    it(`${c.name}: statistics 1e-12, p-values 1e-9`, () => {
      const p = pearson(c.x, c.y);
      expectClose(p.statistic, c.pearson, 1e-12, 'pearson r');
      expectClose(p.pValue, c.pearson_p, 1e-9, 'pearson p');
      const s = spearman(c.x, c.y);
      expectClose(s.statistic, c.spearman, 1e-12, 'spearman rho');
      expectClose(s.pValue, c.spearman_p, 1e-9, 'spearman p');
    });
  }
});

describe('independent computations', () => {
  it('averageRanks equals #smaller + (#equal + 1) / 2', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 50 }), (v) => {
        const r = averageRanks(Float64Array.from(v));
        return v.every((a, i) => r[i] === v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
      }),
    );
  });

  it('pearson p equals the t-test p with n - 2 degrees of freedom; spearman rho is pearson of the ranks', () => {
    const u = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(u, u), { minLength: 4, maxLength: 40 }), (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const r = pearson(x, y);
        if (Number.isNaN(r.statistic) || Math.abs(r.statistic) > 0.999999) return true;
        const n = x.length;
        const t = r.statistic * Math.sqrt((n - 2) / (1 - r.statistic * r.statistic));
        const pT = 2 * studentTSf(Math.abs(t), n - 2);
        const rho = spearman(x, y).statistic;
        const viaRanks = pearson(averageRanks(Float64Array.from(x)), averageRanks(Float64Array.from(y))).statistic;
        return Math.abs(r.pValue - pT) <= 1e-10 * pT + 1e-300 && Math.abs(rho - viaRanks) <= 1e-14;
      }),
    );
  });

  it('one-sided p-values are consistent with the two-sided one', () => {
    const x = [1, 2, 3, 4, 5, 6, 7];
    const y = [2, 1, 4, 3, 7, 5, 6];
    for (const f of [pearson, spearman]) {
      const two = f(x, y).pValue;
      const greater = f(x, y, { alternative: 'greater' }).pValue;
      const less = f(x, y, { alternative: 'less' }).pValue;
      expect(greater).toBeCloseTo(two / 2, 14);
      expect(less + greater).toBeCloseTo(1, 14);
    }
  });
});

describe('invariants', () => {
  const ints = fc.integer({ min: -200, max: 200 });
  it('bounded, symmetric, spearman invariant under increasing transforms, pearson under affine ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ints, ints), { minLength: 3, maxLength: 50 }), (p) => {
        const x = p.map((v) => v[0]);
        const y = p.map((v) => v[1]);
        const s = spearman(x, y).statistic;
        const r = pearson(x, y).statistic;
        if (Number.isNaN(s)) return Number.isNaN(r);
        const s2 = spearman(x.map((v) => Math.exp(v / 40)), y.map((v) => v ** 3)).statistic;
        const r2 = pearson(x.map((v) => 3 * v + 7), y.map((v) => 0.5 * v - 2)).statistic;
        return (
          Math.abs(s) <= 1 &&
          Math.abs(r) <= 1 &&
          s === s2 &&
          Math.abs(r - r2) <= 1e-13 &&
          Math.abs(spearman(y, x).statistic - s) <= 1e-15 &&
          Math.abs(pearson(y, x).statistic - r) <= 1e-15
        );
      }),
    );
  });
});

describe('bad input and documented NaN', () => {
  for (const [name, f] of [['pearson', pearson], ['spearman', spearman]] as const) {
    it(name, () => {
      expect(() => f([1, 2, 3], [1, 2])).toThrow(/same length/);
      expect(() => f([1], [2])).toThrow(/at least 2/);
      expect(() => f([1, NaN, 3], [1, 2, 3])).toThrow(/x\[1\] is NaN/);
      expect(() => f([1, 2, 3], [1, Infinity, 3])).toThrow(/y\[1\] is Infinity/);
      expect(() => f([1, 2, 3], [1, 2, 3], { alternative: 'both' as never })).toThrow(/alternative/);
      const constant = f([4, 4, 4], [1, 2, 3]);
      expect(Number.isNaN(constant.statistic) && Number.isNaN(constant.pValue)).toBe(true);
      expect(Number.isNaN(f([1, NaN, 3], [1, 2, 3], { nanPolicy: 'propagate' }).pValue)).toBe(true);
      expect(f([1, NaN, 3, 5], [1, 2, 3, 4], { nanPolicy: 'omit' })).toEqual(f([1, 3, 5], [1, 3, 4]));
    });
  }
  it('n = 2 follows scipy: pearson p = 1, spearman p = NaN', () => {
    expect(pearson([1, 2], [4, 3])).toEqual({ statistic: -1, pValue: 1 });
    expect(Number.isNaN(spearman([1, 2], [3, 4]).pValue)).toBe(true);
  });
});
