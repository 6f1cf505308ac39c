import { describe, expect, it } from 'vitest';
import { FeatureAnalysis } from '../../analysis';
import { MetricInputError } from '../../errors';
import { matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { syntheticInput } from '../../synthetic';
import { logmeFromAnalysis } from '../logme';
import { logmeFixedPoint, logmeFixedPointFromAnalysis } from '../logme-fixed-point';
import { loadReferenceFixture } from './reference-fixture';

interface Case {
  value: number;
  alphas: number[];
  betas: number[];
  singularValuesKept: number;
}

const fixture = loadReferenceFixture<Case>('logme_fixed_point');

/**
 * The two LogME algorithms reach the same maximiser of the evidence but stop at different points of their iterations
 * (the ICML code at a 1% change of alpha/beta, the fixed-point code at 0.1%); on the golden cases they differ by at most
 * 1.3e-4 relative. 1e-3 is the fixed-point code's own stopping tolerance.
 */
const ALGORITHM_AGREEMENT = 1e-3;

describe('logme_fixed_point', () => {
  it('has a fixture for every golden case', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(goldenNames());
    expect(fixture.errors).toEqual({});
  });

  describe.each(goldenNames())('golden case %s', (name) => {
    const g = loadGolden(name);
    const ref = fixture.cases[name];

    it('equals the official fixed-point code (1e-9), up to its log-det over the kept singular values only', async () => {
      const r = await logmeFixedPoint(g.features, g.labels);
      const { N, D } = g.shape;
      // The official code sums log(alpha + beta sigma_i) over its k kept singular values; the D - k null ones each
      // contribute log(alpha) to the paper's log|A|. Zero when k = D (every case but d_gt_n).
      const missing = D - ref.singularValuesKept;
      const correction = ref.alphas.reduce((s, a) => s + (missing / (2 * N)) * Math.log(a), 0) / ref.alphas.length;
      expect(relErr(r.value, ref.value - correction)).toBeLessThanOrEqual(1e-9);
      r.alphas.forEach((a, c) => expect(relErr(a, ref.alphas[c])).toBeLessThanOrEqual(1e-9));
      r.betas.forEach((b, c) => expect(relErr(b, ref.betas[c])).toBeLessThanOrEqual(1e-9));
    });

    it('agrees with the ICML algorithm (logme) within the fixed-point tolerance', async () => {
      const a = new FeatureAnalysis(g.features, g.labels);
      const [fp, icml] = await Promise.all([logmeFixedPointFromAnalysis(a), logmeFromAnalysis(a)]);
      expect(relErr(fp.value, icml.value)).toBeLessThanOrEqual(ALGORITHM_AGREEMENT);
      fp.perClassEvidence.forEach((e, c) => expect(relErr(e, icml.perClassEvidence[c])).toBeLessThanOrEqual(ALGORITHM_AGREEMENT));
    });
  });

  it('d_gt_n: the official value is far from both algorithms, ours is not (the log-det convention matters)', async () => {
    const g = loadGolden('d_gt_n');
    const r = await logmeFixedPoint(g.features, g.labels);
    expect(Math.abs(fixture.cases['d_gt_n'].value - r.value)).toBeGreaterThan(1);
    expect(relErr(r.value, g.outputs['logme'] as number)).toBeLessThan(ALGORITHM_AGREEMENT);
  });

  it('scores separated classes above shuffled labels', async () => {
    const s = syntheticInput({ n: 400, d: 32, classes: 4, sourceClasses: 10, separation: 3, latentDims: 8, noise: 0.5, seed: 7 });
    const shuffled = Int32Array.from(s.labels);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const good = await logmeFixedPoint(s.features, s.labels);
    const bad = await logmeFixedPoint(s.features, shuffled);
    expect(good.value).toBeGreaterThan(bad.value);
  });

  it('uses at most 11 iterations per class and returns finite values', async () => {
    const g = loadGolden('medium_multiclass');
    const r = await logmeFixedPoint(g.features, g.labels);
    expect(Number.isFinite(r.value)).toBe(true);
    expect(Math.min(...r.iterations)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...r.iterations)).toBeLessThanOrEqual(11);
  });

  it('refuses bad input with a coded error', async () => {
    const f = matrix(4, 2, Float64Array.from([1, 2, 3, 4, 5, 6, 7, Number.NaN]));
    await expect(logmeFixedPoint(f, [0, 1, 0, 1])).rejects.toMatchObject({ code: 'non_finite' });
    const ok = matrix(4, 2, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(logmeFixedPoint(ok, [0, 0, 0, 0])).rejects.toBeInstanceOf(MetricInputError);
    await expect(logmeFixedPoint(ok, [0, 2, 0, 2])).rejects.toMatchObject({ code: 'label_gap' });
    await expect(logmeFixedPoint(ok, [0, 1, 0])).rejects.toMatchObject({ code: 'shape_mismatch' });
  });
});
