import { describe, expect, it } from 'vitest';
import { FeatureAnalysis } from '../../analysis';
import { matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { nleepFromAnalysis } from '../nleep';
import { nleepProb, nleepProbFromAnalysis } from '../nleep-prob';
import { loadReferenceFixture } from './reference-fixture';

interface Case {
  value: number;
  gmmLowerBound: number;
  gmmIterations: number;
  initLabels: string | null;
}

const fixture = loadReferenceFixture<Case>('nleep_prob');

describe('nleep_prob', () => {
  it('has a fixture for every golden case, each run from the k-means labels the golden file records', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(goldenNames());
    for (const c of Object.values(fixture.cases)) expect(c.initLabels).toBe('golden intermediates.nleep_gmm_init_kmeans_labels');
  });

  describe.each(goldenNames())('golden case %s', (name) => {
    const g = loadGolden(name);
    const initLabels = g.intermediates['nleep_gmm_init_kmeans_labels'] as number[];

    it("replayed from the reference k-means labels equals SFDA's NLEEP (1e-9)", async () => {
      const r = await nleepProb(g.features, g.labels, { initLabels });
      expect(relErr(r.value, fixture.cases[name].value)).toBeLessThanOrEqual(1e-9);
      expect(r.iterations).toBe(fixture.cases[name].gmmIterations);
      expect(relErr(r.lowerBound, fixture.cases[name].gmmLowerBound)).toBeLessThan(1e-9);
    });

    it('with our seeded k-means: in [0, 1], above exp(N-LEEP) of the same mixture', async () => {
      const a = new FeatureAnalysis(g.features, g.labels);
      const p = await nleepProbFromAnalysis(a, { seed: 42 });
      const l = await nleepFromAnalysis(a, { seed: 42 });
      expect(p.value).toBeGreaterThanOrEqual(Math.exp(l.value) - 1e-12);
      expect(p.value).toBeLessThanOrEqual(1);
      expect(p.lowerBound).toBe(l.lowerBound); // one shared mixture fit
    });
  });

  it('is skipped-worthy (too_few_samples) when N < 5 C, and refuses bad features', async () => {
    const f = matrix(6, 2, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]));
    await expect(nleepProb(f, [0, 1, 0, 1, 0, 1])).rejects.toMatchObject({ code: 'too_few_samples' });
    const bad = matrix(6, 2, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, Infinity]));
    await expect(nleepProb(bad, [0, 1, 0, 1, 0, 1])).rejects.toMatchObject({ code: 'non_finite' });
  });
});
