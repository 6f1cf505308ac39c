import { bootstrap, createRng, kendallTauB } from '@transferscope/stats';
import { describe, expect, it } from 'vitest';
import { type RowSample } from '../correlation-statistic';
import { ascendingOrder, batchable, drawTable, fastKendallTauB, fastKendallTauBGathered, fastKendallTauBOrdered, fastKendallTauBPrepared, prepareScores, tauBootstrap, tauBootstrapBatch } from '../fast-kendall';

/** Values from a seeded generator; `grid` > 0 rounds them to that many levels, so ties occur. */
function values(rng: ReturnType<typeof createRng>, n: number, grid: number): Float64Array {
  return Float64Array.from({ length: n }, () => (grid > 0 ? Math.floor(rng.nextFloat() * grid) / grid : rng.nextFloat()));
}

/** A row laid out group after group, as toSample builds it. */
function row(rng: ReturnType<typeof createRng>, sizes: number[], grid: number): RowSample {
  const n = sizes.reduce((a, b) => a + b, 0);
  const scores = values(rng, n, grid);
  const performance = values(rng, n, grid);
  // Scores loosely follow performance, so taus are spread over [-1, 1] rather than all near 0.
  for (let i = 0; i < n; i++) if (rng.nextFloat() < 0.5) scores[i] = performance[i]! + (grid > 0 ? 0 : 1e-3 * rng.nextFloat());
  const groups: string[] = [];
  const bounds: [number, number][] = [];
  let start = 0;
  sizes.forEach((size, g) => {
    for (let i = 0; i < size; i++) groups.push(`g${g}`);
    bounds.push([start, start + size]);
    start += size;
  });
  return { scores, performance, groups, bounds };
}

/** The statistic the service bootstraps for KENDALL_TAU_B: tau of one group, or the mean of the defined per-group taus. */
function libraryStatistic(bounds: [number, number][]) {
  return (x: Float64Array, y: Float64Array): number => {
    let sum = 0;
    let count = 0;
    for (const [start, end] of bounds) {
      if (end - start < 2) continue;
      const tau = kendallTauB(x.subarray(start, end), y.subarray(start, end), { method: 'asymptotic' }).statistic;
      if (Number.isFinite(tau)) {
        sum += tau;
        count++;
      }
    }
    return count === 0 ? NaN : bounds.length === 1 ? sum : sum / count;
  };
}

describe('fastKendallTauB', () => {
  it('equals kendallTauB of @transferscope/stats bit for bit, with and without ties, exact and asymptotic p-values', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + (trial % 80);
      const x = values(rng, n, trial % 3 === 0 ? 5 : 0);
      const y = trial % 7 === 0 ? Float64Array.from(x) : values(rng, n, trial % 5 === 0 ? 4 : 0);
      expect(fastKendallTauB(x, y, false)).toEqual(kendallTauB(x, y));
      expect(fastKendallTauB(x, y, true)).toEqual(kendallTauB(x, y, { method: 'asymptotic' }));
    }
  });

  it('given the order of a tie-free y, equals kendallTauB too (ties in x, large n and non-finite x included)', () => {
    const rng = createRng(29);
    let ordered = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + (trial % 80);
      const y = values(rng, n, trial % 9 === 0 ? 4 : 0);
      const x = values(rng, n, trial % 3 === 0 ? 5 : 0);
      if (trial % 11 === 0) x[0] = Number.POSITIVE_INFINITY;
      const order = ascendingOrder(y);
      // A y with ties has no such order; one without ties is ascending.
      if (order === null) {
        expect(new Set(y).size).toBeLessThan(n);
        continue;
      }
      ordered++;
      for (let k = 1; k < n; k++) expect(y[order[k]!]!).toBeGreaterThan(y[order[k - 1]!]!);
      if (!Number.isFinite(x[0]!)) {
        expect(() => fastKendallTauBOrdered(x, y, order, false)).toThrow(RangeError);
        continue;
      }
      expect(fastKendallTauBOrdered(x, y, order, false)).toEqual(kendallTauB(x, y));
      expect(fastKendallTauBOrdered(x, y, order, true)).toEqual(kendallTauB(x, y, { method: 'asymptotic' }));
    }
    expect(ordered).toBeGreaterThan(300);
  });

  it('counted straight from a vector through a gather, equals kendallTauB of the oriented scores, or declines (ties, non-finite, large n)', () => {
    const rng = createRng(37);
    let counted = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + (trial % 70);
      const y = values(rng, n, 0);
      const order = ascendingOrder(y)!;
      // The vector holds other values around the group's, in another order: position[i] is model i's place in it.
      const base = trial % 5;
      const vector = values(rng, base + n + 3, trial % 4 === 0 ? 6 : 0);
      if (trial % 13 === 0) vector[base + (trial % n)] = trial % 2 ? Number.NaN : Number.NEGATIVE_INFINITY;
      const position = Int32Array.from({ length: n }, (_, i) => (i * 7 + trial) % n);
      if (new Set(position).size !== n) for (let i = 0; i < n; i++) position[i] = n - 1 - i;
      const sign = trial % 3 === 0 ? -1 : 1;
      const x = Float64Array.from(position, (p) => sign * vector[base + p]!);
      const gather = Int32Array.from(order, (k) => position[k]!);
      for (const valueOnly of [false, true]) {
        const result = fastKendallTauBGathered(vector, base, gather, sign, valueOnly);
        if (n > 64 || !x.every(Number.isFinite) || new Set(x).size < n) {
          expect(result).toBeNull();
          continue;
        }
        counted++;
        expect(result).toEqual(kendallTauB(x, y, valueOnly ? { method: 'asymptotic' } : {}));
        expect(result).toEqual(fastKendallTauBOrdered(x, y, order, valueOnly));
      }
    }
    expect(counted).toBeGreaterThan(300);
  });

  it('orders a tie-free y ascending as a sort does, and gives null for ties (-0 and 0 included) and non-finite values', () => {
    const rng = createRng(41);
    for (let trial = 0; trial < 200; trial++) {
      const y = values(rng, 1 + (trial % 50), 0);
      expect(Array.from(ascendingOrder(y)!)).toEqual(Array.from(y.keys()).sort((a, b) => y[a]! - y[b]!));
    }
    expect(ascendingOrder(Float64Array.of(0.3, 0.1, 0.3))).toBeNull();
    expect(ascendingOrder(Float64Array.of(0, 1, -0))).toBeNull();
    expect(ascendingOrder(Float64Array.of(0.2, NaN, 0.1))).toBeNull();
    expect(Array.from(ascendingOrder(Float64Array.of(3, -1, 2, 0))!)).toEqual([1, 3, 2, 0]);
  });

  it('with scores prepared once for many performance vectors (baselines), equals kendallTauB, or declines (ties in y, non-finite, other sizes)', () => {
    const rng = createRng(37);
    let counted = 0;
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + (trial % 40);
      // Scores with many ties (as parameter counts and ImageNet accuracies have) or none.
      const x = values(rng, n, trial % 4 === 0 ? 0 : 3 + (trial % 6));
      const prepared = prepareScores(x)!;
      expect(prepared).not.toBeNull();
      for (let k = 0; k < 5; k++) {
        const y = values(rng, n, k === 4 ? 3 : 0);
        const result = fastKendallTauBPrepared(prepared, y, false);
        if (result === null) {
          // Declined only for ties in y.
          expect(ascendingOrder(y)).toBeNull();
          continue;
        }
        counted++;
        expect(result).toEqual(kendallTauB(x, y));
        expect(fastKendallTauBPrepared(prepared, y, true)).toEqual(kendallTauB(x, y, { method: 'asymptotic' }));
        // The second row with the same counts gets the shared result: still the same values.
        expect(fastKendallTauBPrepared(prepared, Float64Array.from(y), false)).toEqual(result);
      }
    }
    expect(counted).toBeGreaterThan(700);
    expect(prepareScores(Float64Array.of(1, NaN, 2))).toBeNull();
    expect(prepareScores(Float64Array.of(1))).toBeNull();
    expect(prepareScores(new Float64Array(65))).toBeNull();
    const prepared = prepareScores(Float64Array.of(1, 1, 2))!;
    expect(fastKendallTauBPrepared(prepared, Float64Array.of(1, 2, Infinity), false)).toBeNull();
    expect(fastKendallTauBPrepared(prepared, Float64Array.of(1, 2), false)).toBeNull();
  });

  it('refuses non-finite input as the library does', () => {
    expect(() => fastKendallTauB(Float64Array.of(1, NaN, 3), Float64Array.of(1, 2, 3), false)).toThrow(RangeError);
  });
});

describe('tauBootstrap', () => {
  it("gives the library's bootstrap interval and rejected count exactly, one group or several, ties or none, percentile or HDI", () => {
    const rng = createRng(5);
    const layouts = [[30], [12], [2], [3, 1, 7], [10, 10, 10], [1, 1, 4]];
    for (const sizes of layouts) {
      for (const grid of [0, 3]) {
        for (const interval of ['percentile', 'hdi'] as const) {
          const sample = row(rng, sizes, grid);
          const seed = Math.floor(rng.nextFloat() * 1e6);
          const expected = bootstrap({ x: sample.scores, y: sample.performance }, libraryStatistic(sample.bounds), {
            resamples: 300,
            seed,
            alpha: 1 - 0.9,
            interval,
            groups: sample.groups,
          });
          const actual = tauBootstrap(sample, drawTable(seed, 300, sizes), 0.9, interval)!;
          expect([actual.low, actual.high, actual.rejected], `sizes ${sizes.join(',')} grid ${grid} ${interval}`).toEqual([expected.low, expected.high, expected.rejected]);
        }
      }
    }
  });

  it('rejects every resample of a constant score, like the library', () => {
    const sample: RowSample = { scores: new Float64Array(8).fill(0.5), performance: Float64Array.from({ length: 8 }, (_, i) => i), groups: new Array<string>(8).fill('g'), bounds: [[0, 8]] };
    const result = tauBootstrap(sample, drawTable(1, 50, [8]), 0.95, 'percentile')!;
    expect(result.rejected).toBe(50);
    expect(result.low).toBeNaN();
  });
});

describe('tauBootstrapBatch', () => {
  it('gives every row the interval tauBootstrap (and so the library) gives it', () => {
    const rng = createRng(9);
    for (const size of [2, 3, 17, 30]) {
      const samples = Array.from({ length: 70 }, () => row(rng, [size], 0)).filter(batchable);
      expect(samples.length).toBeGreaterThan(10);
      for (const interval of ['percentile', 'hdi'] as const) {
        const table = drawTable(123, 400, [size]);
        const batch = tauBootstrapBatch(samples, table, 0.95, interval);
        samples.forEach((sample, r) => {
          const expected = bootstrap({ x: sample.scores, y: sample.performance }, libraryStatistic(sample.bounds), { resamples: 400, seed: 123, alpha: 1 - 0.95, interval, groups: sample.groups });
          expect([batch[r]!.low, batch[r]!.high, batch[r]!.rejected]).toEqual([expected.low, expected.high, expected.rejected]);
        });
      }
    }
  });

  it('takes only one-group rows without ties', () => {
    const rng = createRng(2);
    expect(batchable(row(rng, [10, 5], 0))).toBe(false);
    expect(batchable(row(rng, [20], 3))).toBe(false);
    expect(batchable({ scores: Float64Array.of(1, 2, 3), performance: Float64Array.of(3, 1, 2), groups: ['a', 'a', 'a'], bounds: [[0, 3]] })).toBe(true);
  });
});
