import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../errors';
import { matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { scoreAll } from '../../score-all';
import { syntheticInput } from '../../synthetic';
import { transrate } from '../transrate';

/** Written by tools/reference/sfda_parc_transrate_reference.py (its generatedBy says how). */
interface Fixture {
  generatedBy: string;
  cases: Record<string, number | null>;
  errors: Record<string, string>;
  intermediates: Record<string, { rz: number; rzc: number }>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'transrate.json'), 'utf8')) as Fixture;
const rates = fixture.intermediates;

describe('transrate against the official code (Long-Kai/TransRate)', () => {
  it.each(goldenNames())('%s', async (name) => {
    const g = loadGolden(name);
    const expected = fixture.cases[name];
    expect(expected).not.toBeNull();
    const r = await transrate(g.features, g.labels);
    // Sums of logs of eigenvalues: the eigensolvers (ours, LAPACK's SVD) differ at round-off level only.
    expect(relErr(r.value, expected as number)).toBeLessThanOrEqual(1e-9);
    expect(relErr(r.rate, rates[name].rz)).toBeLessThanOrEqual(1e-9);
    expect(relErr(r.conditionalRate, rates[name].rzc)).toBeLessThanOrEqual(1e-9);
  });
});

describe('transrate invariants', () => {
  const base = { n: 600, d: 24, classes: 3, sourceClasses: 5, noise: 1, seed: 7 };

  it('is >= 0 and below (1/2) log(1 + 1/(r eps)) (concavity of log det, trace of Z^T Z / N is 1)', async () => {
    for (const separation of [0, 1, 4]) {
      const s = syntheticInput({ ...base, separation });
      const r = await transrate(s.features, s.labels);
      expect(r.value).toBeGreaterThanOrEqual(0);
      expect(r.rate).toBeLessThanOrEqual(0.5 * Math.log1p(1 / (r.rank * 1e-4)) + 1e-12);
    }
  });

  it('scores better-separated classes higher, and random labels lowest', async () => {
    const values: number[] = [];
    for (const separation of [0.5, 2, 6]) {
      const s = syntheticInput({ ...base, separation });
      values.push((await transrate(s.features, s.labels)).value);
    }
    const random = syntheticInput({ ...base, separation: 6, randomLabels: true });
    const randomValue = (await transrate(random.features, random.labels)).value;
    expect(values[0]).toBeLessThan(values[1]);
    expect(values[1]).toBeLessThan(values[2]);
    expect(randomValue).toBeLessThan(values[0]);
  });

  it('is invariant to scaling each feature row by a positive factor (both normalisations)', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const scaled = matrix(s.features.rows, s.features.cols, Float64Array.from(s.features.data));
    for (let i = 0; i < scaled.rows; i++) {
      const f = 0.01 * (1 + (i % 7) * 1000);
      for (let j = 0; j < scaled.cols; j++) scaled.data[i * scaled.cols + j] *= f;
    }
    const a = await transrate(s.features, s.labels);
    const b = await transrate(scaled, s.labels);
    expect(relErr(b.value, a.value)).toBeLessThan(1e-10);
  });

  it('smaller eps gives a larger rate (log(1 + lambda / eps) decreases in eps)', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const coarse = await transrate(s.features, s.labels, { eps: 1e-2 });
    const fine = await transrate(s.features, s.labels, { eps: 1e-4 });
    expect(fine.rate).toBeGreaterThan(coarse.rate);
  });

  it('refuses bad input', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    await expect(transrate(s.features, s.labels.subarray(1))).rejects.toThrow(MetricInputError);
    await expect(transrate(s.features, new Int32Array(s.labels.length))).rejects.toMatchObject({ code: 'single_class' });
    await expect(transrate(s.features, s.labels, { eps: 0 })).rejects.toThrow(RangeError);
    // Identical rows all equal their mean: after centring every row is zero and has no direction.
    const same = matrix(3, 2, Float64Array.from([1, 2, 1, 2, 1, 2]));
    await expect(transrate(same, Int32Array.from([0, 1, 1]))).rejects.toMatchObject({ code: 'non_finite' });
  });
});

describe('transrate in the registry', () => {
  it('scoreAll gives the value of the function, with its diagnostics', async () => {
    const s = syntheticInput({ n: 200, d: 40, classes: 3, sourceClasses: 5, separation: 2, seed: 3 });
    const r = await scoreAll(s, ['transrate']);
    expect(r.values['transrate']).toBe((await transrate(s.features, s.labels)).value);
    expect(Object.keys(r.diagnostics['transrate']).length).toBeGreaterThan(0);
  });
});
