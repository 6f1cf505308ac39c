import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bootstrap } from '../bootstrap';
import { kendallTauB } from '../kendall-tau';
import { createRng, splitMix64 } from '../prng';
import { hdiSorted, quantileSorted } from '../quantiles';

const tau = (x: Float64Array, y: Float64Array): number => kendallTauB(x, y).statistic;

/** xoshiro128** written independently on BigInt with explicit 32-bit masks. */
function referenceXoshiro(seed: number, count: number): number[] {
  const M = 0xffffffffn;
  const [a, b] = splitMix64(BigInt(seed), 2);
  const s = [a & M, a >> 32n, b & M, b >> 32n];
  const rotl = (v: bigint, k: bigint): bigint => ((v << k) | (v >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

describe('PRNG', () => {
  it('SplitMix64 reproduces the published outputs for seed 0', () => {
    expect(splitMix64(0n, 4)).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn, 0xf88bb8a8724c81ecn]);
  });
  it('xoshiro128** on 32-bit arithmetic equals a BigInt implementation', () => {
    for (const seed of [0, 1, 42, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      const rng = createRng(seed);
      const ours = Array.from({ length: 2000 }, () => rng.nextUint32());
      expect(ours).toEqual(referenceXoshiro(seed, 2000));
    }
  });
  it('nextInt stays in range and is roughly uniform; nextFloat in [0, 1)', () => {
    const rng = createRng(3);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.nextInt(7)]++;
    // Each count ~ Binomial(70000, 1/7): sd ≈ 92; 6 sd is far beyond chance.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(550);
    for (let i = 0; i < 1000; i++) {
      const u = rng.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
    }
    expect(() => createRng(-1)).toThrow(/seed/);
    expect(() => createRng(1.5)).toThrow(/seed/);
    expect(() => rng.nextInt(0)).toThrow(/nextInt/);
  });
});

describe('quantiles', () => {
  it('percentile equals the type-7 definition; hdi is the narrowest window of floor(p m) + 1 points', () => {
    const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true });
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (v, q) => {
        const s = Float64Array.from(v).sort();
        const h = (s.length - 1) * q;
        const lo = Math.floor(h);
        const expected = lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
        const got = quantileSorted(s, q);
        const close = Math.abs(got - expected) <= 1e-12 * Math.max(1, Math.abs(expected));
        if (q < 0.01 || q > 0.99 || s.length < 2) return close;
        const p = 1 - Math.min(q, 1 - q);
        const [a, b] = hdiSorted(s, p);
        const inside = Array.from(s).filter((x) => x >= a && x <= b).length;
        // Not "no wider than the percentile interval": with few points that interval (interpolated) can hold fewer
        // than floor(p m) + 1 of them, e.g. 2 points and p = 0.55.
        const k = Math.floor(p * s.length);
        let narrowest = Infinity;
        for (let i = 0; i + k < s.length; i++) narrowest = Math.min(narrowest, s[i + k] - s[i]);
        return close && inside >= k + 1 && b - a === narrowest;
      }),
    );
    expect(() => quantileSorted([], 0.5)).toThrow(/empty/);
    expect(() => quantileSorted([1], 2)).toThrow(/q must be/);
    expect(() => hdiSorted([1, 2], 1)).toThrow(/probability/);
  });
});

describe('bootstrap', () => {
  const x = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.55, 0.3, 0.65];
  const y = [0.52, 0.61, 0.58, 0.83, 0.71, 0.5, 0.88, 0.6, 0.57, 0.79];

  it('is deterministic by seed and changes with the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const a = bootstrap({ x, y }, tau, { seed, resamples: 50 });
        const b = bootstrap({ x, y }, tau, { seed, resamples: 50 });
        const c = bootstrap({ x, y }, tau, { seed: seed + 1, resamples: 50 });
        return (
          a.low === b.low &&
          a.high === b.high &&
          a.distribution.every((v, i) => v === b.distribution[i]) &&
          !a.distribution.every((v, i) => v === c.distribution[i])
        );
      }),
      { numRuns: 30 },
    );
  });

  it('resamples whole pairs: a pair relation seen by the statistic always holds', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7];
    const ys = xs.map((v) => 2 * v + 1);
    const r = bootstrap({ x: xs, y: ys }, (a, b) => (a.every((v, i) => b[i] === 2 * v + 1) ? 1 : NaN), { seed: 5 });
    expect(r.rejected).toBe(0);
    expect(r.low).toBe(1);
  });

  it('grouped resampling keeps each group size and draws only within the group', () => {
    const groups = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'b'];
    const xs = groups.map((g, i) => (g === 'a' ? 100 : g === 'b' ? 200 : 300) + i);
    const ok = (a: Float64Array): boolean => {
      const count = (lo: number): number => a.filter((v) => v >= lo && v < lo + 100).length;
      return count(100) === 3 && count(200) === 3 && count(300) === 4;
    };
    const r = bootstrap({ x: xs, y: xs }, (a) => (ok(a) ? 1 : NaN), { seed: 11, groups, resamples: 300 });
    expect(r.rejected).toBe(0);
  });

  it('the percentile interval is the quantiles of the sorted accepted values; the mean is unbiased', () => {
    const r = bootstrap({ x, y }, (a) => a.reduce((s, v) => s + v, 0) / a.length, { seed: 1, resamples: 4000 });
    expect(r.low).toBe(quantileSorted(r.distribution, 0.025));
    expect(r.high).toBe(quantileSorted(r.distribution, 0.975));
    const sampleMean = x.reduce((s, v) => s + v, 0) / x.length;
    const bootMean = r.distribution.reduce((s, v) => s + v, 0) / r.distribution.length;
    // Standard error of the bootstrap mean ≈ sd/√n/√B ≈ 0.08/√4000: 5e-3 is > 3 standard errors.
    expect(Math.abs(bootMean - sampleMean)).toBeLessThan(5e-3);
    const h = bootstrap({ x, y }, (a) => a.reduce((s, v) => s + v, 0) / a.length, { seed: 1, resamples: 4000, interval: 'hdi' });
    expect(h.high - h.low).toBeLessThanOrEqual(r.high - r.low + 1e-12);
  });

  it('rejects NaN resamples and counts them; the constant-score guard turns exactly those into 0', () => {
    const xs = [1, 1, 1, 1, 2];
    const ys = [1, 2, 3, 4, 5];
    const plain = bootstrap({ x: xs, y: ys }, tau, { seed: 3 });
    const guarded = bootstrap({ x: xs, y: ys }, tau, { seed: 3, constantScoreGuard: true });
    expect(plain.rejected).toBeGreaterThan(0);
    expect(guarded.guarded + guarded.rejected).toBe(plain.rejected);
    expect(guarded.distribution.filter((v) => v === 0).length).toBeGreaterThanOrEqual(guarded.guarded);
    expect(plain.distribution.length + plain.rejected).toBe(1000);
    const constant = bootstrap({ x: [2, 2, 2], y: [1, 2, 3] }, tau, { seed: 3, constantScoreGuard: true, resamples: 20 });
    expect(constant.statistic).toBe(0);
    const allRejected = bootstrap({ x: [2, 2, 2], y: [1, 2, 3] }, tau, { seed: 3, resamples: 20 });
    expect(Number.isNaN(allRejected.low) && allRejected.rejected === 20).toBe(true);
  });

  it('bad input', () => {
    expect(() => bootstrap({ x: [1, 2], y: [1] }, tau)).toThrow(/same length/);
    expect(() => bootstrap({ x: [1], y: [1] }, tau)).toThrow(/at least 2/);
    expect(() => bootstrap({ x: [1, NaN], y: [1, 2] }, tau)).toThrow(/x\[1\] is NaN/);
    expect(() => bootstrap({ x, y }, tau, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrap({ x, y }, tau, { alpha: 1 })).toThrow(/alpha/);
    expect(() => bootstrap({ x, y }, tau, { interval: 'bca' as never })).toThrow(/interval/);
    expect(() => bootstrap({ x, y }, tau, { seed: -3 })).toThrow(/seed/);
    expect(() => bootstrap({ x, y }, tau, { groups: ['a'] })).toThrow(/one label per pair/);
    expect(() => bootstrap({ x, y }, 'tau' as never)).toThrow(/statistic must be a function/);
  });
});
