import { spearman } from '@transferscope/stats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../errors';
import { LegacyRandomState } from '../../linalg/mt19937';
import { matrix, type Matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { scoreAll } from '../../score-all';
import { syntheticInput } from '../../synthetic';
import { parc, spearmanWithIndicator } from '../parc';

/** Written by tools/reference/sfda_parc_transrate_reference.py (its generatedBy says how). */
interface Fixture {
  generatedBy: string;
  cases: Record<string, number | null>;
  errors: Record<string, string>;
  intermediates: Record<string, { oneHotWidth: number; officialOneHotWidthC?: number | string }>;
  randomState1919Normal: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'parc.json'), 'utf8')) as Fixture;
const numpyNormals = fixture.randomState1919Normal;

describe('parc against the official code (dbolya/parc, PARC f=32)', () => {
  it('replays numpy RandomState(1919).normal bit for bit (the randomised PCA test matrix)', () => {
    expect(Array.from(new LegacyRandomState(1919).normals(numpyNormals.length))).toEqual(numpyNormals);
  });

  it.each(goldenNames())('%s', async (name) => {
    const g = loadGolden(name);
    const expected = fixture.cases[name];
    if (expected === null) {
      // small_binary: D = 8 < 32 components, scikit-learn's ValueError.
      expect(fixture.errors[name]).toMatch(/n_components=32/);
      await expect(parc(g.features, g.labels)).rejects.toMatchObject({ code: 'too_few_dimensions' });
      return;
    }
    const r = await parc(g.features, g.labels);
    expect(relErr(r.value, expected)).toBeLessThanOrEqual(1e-9);
  });
});

function transformed(x: Matrix, f: (v: number, j: number) => number): Matrix {
  return matrix(x.rows, x.cols, x.data.map((v, k) => f(v, k % x.cols)));
}

describe('parc invariants', () => {
  const base = { n: 300, d: 48, classes: 3, sourceClasses: 5, noise: 1, latentDims: 8, seed: 5 };

  it('the two-group rank formula equals @transferscope/stats spearman (scipy) against the indicator, ties included', () => {
    const rng = new LegacyRandomState(7);
    const within = Float64Array.from({ length: 700 }, () => Math.round(rng.nextDouble() * 50) / 50);
    const across = Float64Array.from({ length: 1300 }, () => Math.round((rng.nextDouble() + 0.2) * 50) / 50);
    const values = Float64Array.from([...within, ...across]);
    const indicator = Float64Array.from(values, (_, i) => (i < within.length ? 0 : 1));
    const expected = spearman(values, indicator).statistic;
    expect(relErr(spearmanWithIndicator(within, across), expected)).toBeLessThan(1e-12);
  });

  it('lies in [-100, 100]; better-separated classes score higher, random labels near 0', async () => {
    const values: number[] = [];
    for (const separation of [1.5, 3, 6]) {
      const s = syntheticInput({ ...base, separation });
      const r = await parc(s.features, s.labels);
      expect(Math.abs(r.value)).toBeLessThanOrEqual(100);
      values.push(r.value);
    }
    expect(values[0]).toBeLessThan(values[1]);
    expect(values[1]).toBeLessThan(values[2]);
    const random = syntheticInput({ ...base, separation: 6, randomLabels: true });
    const randomValue = (await parc(random.features, random.labels)).value;
    expect(Math.abs(randomValue)).toBeLessThan(1);
    expect(randomValue).toBeLessThan(values[0]);
  });

  it('is invariant to scaling the features and to renaming the classes', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const a = await parc(s.features, s.labels);
    const scaled = await parc(transformed(s.features, (v) => 250 * v), s.labels);
    expect(relErr(scaled.value, a.value)).toBeLessThan(1e-9);
    const renamed = await parc(s.features, s.labels.map((y) => (y + 1) % base.classes));
    expect(renamed.value).toBe(a.value);
  });

  it('subsamples above maxSamples, stratified and reproducibly', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const a = await parc(s.features, s.labels, { maxSamples: 150, seed: 3 });
    const b = await parc(s.features, s.labels, { maxSamples: 150, seed: 3 });
    expect(a.samples).toBe(150);
    expect(b.value).toBe(a.value);
    expect((await parc(s.features, s.labels)).samples).toBe(base.n);
  });

  it('refuses bad input', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    await expect(parc(s.features, s.labels.subarray(1))).rejects.toThrow(MetricInputError);
    const narrow = syntheticInput({ ...base, d: 20, separation: 2 });
    await expect(parc(narrow.features, narrow.labels)).rejects.toMatchObject({ code: 'too_few_dimensions' });
    const singletons = syntheticInput({ ...base, n: 40, classes: 40, separation: 2 });
    await expect(parc(singletons.features, singletons.labels)).rejects.toMatchObject({ code: 'too_few_samples' });
  });
});

describe('parc in the registry', () => {
  it('scoreAll gives the value of the function, with its diagnostics', async () => {
    const s = syntheticInput({ n: 200, d: 40, classes: 3, sourceClasses: 5, separation: 2, seed: 3 });
    const r = await scoreAll(s, ['parc']);
    expect(r.values['parc']).toBe((await parc(s.features, s.labels)).value);
    expect(Object.keys(r.diagnostics['parc']).length).toBeGreaterThan(0);
  });
});
