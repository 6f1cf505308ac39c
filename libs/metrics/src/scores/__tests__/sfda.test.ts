import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../errors';
import { matrix, type Matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { scoreAll } from '../../score-all';
import { syntheticInput } from '../../synthetic';
import { sfda } from '../sfda';

/** Written by tools/reference/sfda_parc_transrate_reference.py (its generatedBy says how). */
interface Fixture {
  generatedBy: string;
  cases: Record<string, number | null>;
  errors: Record<string, string>;
  intermediates: Record<string, { shrinkage: number; relDiffColumnPermutation: number }>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'sfda.json'), 'utf8')) as Fixture;
const intermediates = fixture.intermediates;

describe('sfda against the official code (TencentARC/SFDA)', () => {
  it.each(goldenNames())('%s', async (name) => {
    const g = loadGolden(name);
    const expected = fixture.cases[name];
    expect(expected).not.toBeNull();
    const r = await sfda(g.features, g.labels);
    // The shrinkage comes from seven matrix-vector products: round-off only.
    expect(relErr(r.shrinkage, intermediates[name].shrinkage)).toBeLessThanOrEqual(1e-12);
    // 1e-9, unless the reference itself moves more when the columns are merely permuted (dup_const_cols: a singular S_w
    // regularised by lambda = 1e-10 amplifies round-off ~1e10 times; the reference's own spread there is 2.7e-7).
    const tolerance = Math.max(1e-9, 10 * intermediates[name].relDiffColumnPermutation);
    expect(tolerance).toBeLessThan(1e-5);
    expect(relErr(r.value, expected as number)).toBeLessThanOrEqual(tolerance);
  });
});

function transformed(x: Matrix, f: (v: number, j: number) => number): Matrix {
  return matrix(x.rows, x.cols, x.data.map((v, k) => f(v, k % x.cols)));
}

describe('sfda invariants', () => {
  const base = { n: 400, d: 16, classes: 4, sourceClasses: 5, noise: 1, seed: 11 };

  it('lies in (0, 1], as do the probabilities of its first pass', async () => {
    for (const separation of [0, 2, 8]) {
      const s = syntheticInput({ ...base, separation });
      const r = await sfda(s.features, s.labels);
      expect(r.value).toBeGreaterThan(0);
      expect(r.value).toBeLessThanOrEqual(1);
      expect(r.firstPassValue).toBeGreaterThan(0);
      expect(r.firstPassValue).toBeLessThanOrEqual(1);
    }
  });

  it('scores better-separated classes higher, and random labels near 1/C', async () => {
    const values: number[] = [];
    for (const separation of [0.5, 2, 6]) {
      const s = syntheticInput({ ...base, separation });
      values.push((await sfda(s.features, s.labels)).value);
    }
    expect(values[0]).toBeLessThan(values[1]);
    expect(values[1]).toBeLessThan(values[2]);
    const random = syntheticInput({ ...base, separation: 6, randomLabels: true });
    const r = await sfda(random.features, random.labels);
    expect(r.value).toBeLessThan(values[0]);
    expect(Math.abs(r.value - 1 / base.classes)).toBeLessThan(0.1);
  });

  it('is invariant to translating the features (the class scores change by a class-independent term)', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const a = await sfda(s.features, s.labels);
    const b = await sfda(transformed(s.features, (v, j) => v + 3 * (j % 5) - 4), s.labels);
    expect(relErr(b.value, a.value)).toBeLessThan(1e-9);
  });

  it('is invariant to scaling while the shrinkage stays at its floor, and not when the scale sets the shrinkage', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const x10 = transformed(s.features, (v) => 10 * v);
    const a = await sfda(x10, s.labels);
    expect(a.shrinkage).toBe(1e-10);
    const up = await sfda(transformed(x10, (v) => 10 * v), s.labels);
    expect(up.shrinkage).toBe(1e-10);
    expect(relErr(up.value, a.value)).toBeLessThan(1e-9);
    // Shrunk by 1e4, the largest within-class eigenvalue is ~1e-3 and lambda = exp(-5 rho) ~ 1: a different score.
    const down = await sfda(transformed(x10, (v) => v / 1e4), s.labels);
    expect(down.shrinkage).toBeGreaterThan(0.9);
    expect(relErr(down.value, a.value)).toBeGreaterThan(1e-3);
  });

  it('refuses bad input', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    await expect(sfda(s.features, s.labels.subarray(1))).rejects.toThrow(MetricInputError);
    await expect(sfda(s.features, new Int32Array(s.labels.length))).rejects.toMatchObject({ code: 'single_class' });
    const bad = matrix(s.features.rows, s.features.cols, Float64Array.from(s.features.data));
    bad.data[5] = NaN;
    await expect(sfda(bad, s.labels)).rejects.toMatchObject({ code: 'non_finite' });
  });
});

describe('sfda in the registry', () => {
  it('scoreAll gives the value of the function, with its diagnostics', async () => {
    const s = syntheticInput({ n: 200, d: 40, classes: 3, sourceClasses: 5, separation: 2, seed: 3 });
    const r = await scoreAll(s, ['sfda']);
    expect(r.values['sfda']).toBe((await sfda(s.features, s.labels)).value);
    expect(Object.keys(r.diagnostics['sfda']).length).toBeGreaterThan(0);
  });
});
