import { describe, expect, it } from 'vitest';
import { matrix } from '../../linalg/matrix';
import { seededUniform } from '../../linalg/random';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { syntheticInput } from '../../synthetic';
import { linearProbeCv } from '../linear-probe-cv';
import { loadReferenceFixture } from './reference-fixture';

interface Case {
  value: number;
  folds: number[];
  perFold: { accuracy: number; objective: number; testLogLoss: number; iterations: number }[];
}

const fixture = loadReferenceFixture<Case>('linear_probe_cv');

describe('linear_probe_cv', () => {
  it('has a fixture for every golden case', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(goldenNames());
  });

  describe.each(goldenNames())('golden case %s', (name) => {
    const g = loadGolden(name);
    const ref = fixture.cases[name];
    it("on scikit-learn's folds equals its tightly converged LogisticRegression", async () => {
      const r = await linearProbeCv(g.features, g.labels, { foldOf: ref.folds });
      // The problem is strictly convex: both solvers reach one optimum, so the objective agrees to the solvers'
      // tolerances and predictions are equal. scikit-learn's L-BFGS-B also stops when the objective decreases by less
      // than scipy's ftol 2.2e-9 relative, which leaves its parameters ~sqrt(2.2e-9) ~ 5e-5 relative from the optimum
      // (ours stop at max |gradient| <= 1e-6): hence 1e-4 on the held-out log-loss, a smooth function of them.
      r.perFold.forEach((f, k) => {
        expect(f.converged).toBe(true);
        // Ours is the lower (nearer the minimum), by less than a few of scikit-learn's ftol steps.
        expect(f.objective).toBeLessThanOrEqual(ref.perFold[k].objective * (1 + 1e-12));
        expect(relErr(f.objective, ref.perFold[k].objective)).toBeLessThan(1e-7);
        expect(relErr(f.testLogLoss, ref.perFold[k].testLogLoss)).toBeLessThan(1e-4);
        expect(f.accuracy).toBe(ref.perFold[k].accuracy);
      });
      expect(r.value).toBe(ref.value);
    });
  });

  it('own seeded folds: stratified, deterministic, and the value a held-out accuracy in [0, 1]', async () => {
    const g = loadGolden('imbalanced_multiclass');
    const a = await linearProbeCv(g.features, g.labels);
    const b = await linearProbeCv(g.features, g.labels);
    expect(b.value).toBe(a.value);
    expect(Array.from(b.foldOf)).toEqual(Array.from(a.foldOf));
    for (let c = 0; c < 3; c++) {
      const sizes = [0, 0, 0, 0, 0];
      g.labels.forEach((l, i) => {
        if (l === c) sizes[a.foldOf[i]]++;
      });
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(a.value).toBeGreaterThan(0.5);
    expect(a.value).toBeLessThanOrEqual(1);
    const other = await linearProbeCv(g.features, g.labels, { seed: 1 });
    expect(Array.from(other.foldOf)).not.toEqual(Array.from(a.foldOf));
  });

  it('separated classes score above shuffled labels; per-column scaling does not change it (standardised)', async () => {
    const s = syntheticInput({ n: 200, d: 12, classes: 2, sourceClasses: 4, separation: 4, latentDims: 0, noise: 1, seed: 5 });
    const good = await linearProbeCv(s.features, s.labels);
    const u = seededUniform(11);
    const shuffled = Int32Array.from(s.labels, () => Math.floor(2 * u()));
    shuffled.set([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(good.value).toBeGreaterThan((await linearProbeCv(s.features, shuffled)).value + 0.2);
    const scaled = matrix(200, 12, s.features.data.map((v, i) => v * (1 + (i % 12)) - 5));
    expect((await linearProbeCv(scaled, s.labels)).value).toBe(good.value);
  });

  it('refuses bad input with a coded error', async () => {
    const f = matrix(6, 1, Float64Array.from([0, 1, 2, 3, 4, 5]));
    await expect(linearProbeCv(f, [0, 1, 0, 1, 0, 1])).rejects.toMatchObject({ code: 'too_few_samples' });
    await expect(linearProbeCv(f, [0, 1, 0, 1, 0, 1], { foldOf: [0, 1, 0, 1] })).rejects.toMatchObject({ code: 'shape_mismatch' });
    await expect(linearProbeCv(f, [0, 1, 0, 1, 0, 1], { folds: 1 })).rejects.toThrow(RangeError);
  });
});
