import { describe, expect, it } from 'vitest';
import { matrix } from '../../linalg/matrix';
import { seededUniform } from '../../linalg/random';
import { goldenNames, loadGolden } from '../../__tests__/golden';
import { syntheticInput } from '../../synthetic';
import { knnLoo } from '../knn-loo';
import { loadReferenceFixture } from './reference-fixture';

const fixture = loadReferenceFixture<{ value: number; k: number; valueK5: number }>('knn_loo');

describe('knn_loo', () => {
  it('has a fixture for every golden case', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(goldenNames());
  });

  describe.each(goldenNames())('golden case %s', (name) => {
    const g = loadGolden(name);
    it("equals scikit-learn's leave-one-out KNeighborsClassifier (k = 1 and 5; accuracies are exact fractions)", async () => {
      const one = await knnLoo(g.features, g.labels);
      expect(one.k).toBe(fixture.cases[name].k);
      expect(one.value).toBe(fixture.cases[name].value);
      // Small blocks exercise the off-diagonal block path; the result must not depend on them.
      expect((await knnLoo(g.features, g.labels, { k: 5, blockRows: 7 })).value).toBe(fixture.cases[name].valueK5);
      expect((await knnLoo(g.features, g.labels, { k: 5 })).value).toBe(fixture.cases[name].valueK5);
    });
  });

  it('is in [0, 1]: 1 for separated clusters, near chance for shuffled labels; invariant to scaling and translation', async () => {
    const s = syntheticInput({ n: 300, d: 16, classes: 3, sourceClasses: 5, separation: 12, latentDims: 0, noise: 0.3, seed: 3 });
    const good = await knnLoo(s.features, s.labels);
    expect(good.value).toBe(1);
    const u = seededUniform(11);
    const shuffled = Int32Array.from(s.labels, () => Math.floor(3 * u()));
    shuffled.set([0, 1, 2]);
    expect((await knnLoo(s.features, shuffled)).value).toBeLessThan(0.6);
    const moved = matrix(300, 16, s.features.data.map((v, i) => 3 * v + (i % 16)));
    expect((await knnLoo(moved, s.labels)).correct).toBe(good.correct);
  });

  it('refuses bad input with a coded error', async () => {
    const f = matrix(3, 1, Float64Array.from([0, 1, 2]));
    await expect(knnLoo(f, [0, 1, 0], { k: 3 })).rejects.toMatchObject({ code: 'too_few_samples' });
    await expect(knnLoo(f, [0, 1])).rejects.toMatchObject({ code: 'shape_mismatch' });
    await expect(knnLoo(matrix(3, 1, Float64Array.from([0, NaN, 2])), [0, 1, 0])).rejects.toMatchObject({ code: 'non_finite' });
    await expect(knnLoo(f, [0, 1, 0], { k: 0 })).rejects.toThrow(RangeError);
  });
});
