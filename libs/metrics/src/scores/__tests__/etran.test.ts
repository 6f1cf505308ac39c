import { describe, expect, it } from 'vitest';
import { FeatureAnalysis } from '../../analysis';
import { MetricInputError } from '../../errors';
import { matrix, type Matrix } from '../../linalg/matrix';
import { scorePool } from '../../pool/pool';
import { BUILTIN_METRICS } from '../../registry/builtins';
import { type PoolMember } from '../../registry/metric';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { syntheticInput } from '../../synthetic';
import { etran, etranPoolScores, type EtranComponents } from '../etran';
import { loadPoolFixture, pooledTolerance, poolMembers } from './pool-fixture';

type Pooled = Record<'officialClassification' | 'sumOfThree', Record<string, number | null>>;
const fx = loadPoolFixture<EtranComponents, Pooled>('etran');
const metric = BUILTIN_METRICS.find((m) => m.id === 'etran');

async function member(model: string, features: Matrix, labels: ArrayLike<number>): Promise<PoolMember> {
  if (!metric) throw new Error('etran is not registered');
  const a = new FeatureAnalysis(features, labels);
  return { model, result: await metric.compute({ features, labels }, { analysis: () => a, seed: 0, options: {} }) };
}

describe.each(goldenNames())('golden case %s against the official ETran parts', (name) => {
  const g = loadGolden(name);
  if (fx.errors[name]) {
    it('N < 200: the official energy part averages no sample (NaN); ours averages the single lowest', async () => {
      const r = await etran(g.features, g.labels);
      expect(r.energySamples).toBe(1);
      expect(Number.isFinite(r.components.energy)).toBe(true);
    });
    return;
  }
  const f = fx.cases[name];
  const members = poolMembers(g.features);

  it('energy, LDA and SVD parts of every pool member to 1e-9', async () => {
    for (const [m, x] of Object.entries(members)) {
      const r = await etran(x, g.labels);
      expect(relErr(r.components.energy, f.components[m].energy)).toBeLessThan(1e-9);
      expect(relErr(r.components.lda, f.components[m].lda)).toBeLessThan(1e-9);
      // The residual is a difference N - ||P_X Y||^2 computed through the Gram: ~1e-13 relative here.
      expect(relErr(r.components.svd, f.components[m].svd)).toBeLessThan(1e-9);
    }
  });

  it('pooled: the paper sum by default, the official classification weights on request', async () => {
    const all = await Promise.all(Object.entries(members).map(([m, x]) => member(m, x, g.labels)));
    for (const [pool, names] of Object.entries(fx.pool.pools)) {
      const inPool = names.map((m) => all.find((a) => a.model === m) as PoolMember);
      const tol = pooledTolerance(f.components as unknown as Record<string, Record<string, number>>, names);
      const sum = scorePool(metric!, inPool);
      const official = etranPoolScores(inPool, { energy: 0.15, lda: 0.85, svd: 0 });
      names.forEach((m, i) => {
        const e1 = f.pools[pool].sumOfThree[m];
        const e2 = f.pools[pool].officialClassification[m];
        if (e1 !== null && tol < 1e-3) expect(Math.abs(sum[i].value - e1)).toBeLessThan(3 * tol);
        if (e2 !== null && tol < 1e-3) expect(Math.abs(official[i] - e2)).toBeLessThan(tol);
      });
    }
  });
});

describe('ETran invariants', () => {
  const base = { n: 400, d: 32, classes: 3, sourceClasses: 9, seed: 11 };

  it('better separated features score a higher LDA part and a higher (less negative) SVD part', async () => {
    const weak = await etran(syntheticInput({ ...base, separation: 0.5 }).features, syntheticInput({ ...base, separation: 0.5 }).labels);
    const strong = await etran(syntheticInput({ ...base, separation: 6 }).features, syntheticInput({ ...base, separation: 6 }).labels);
    expect(strong.components.lda).toBeGreaterThan(weak.components.lda);
    expect(strong.components.svd).toBeGreaterThan(weak.components.svd);
    expect(strong.components.lda).toBeLessThanOrEqual(1);
    expect(strong.components.svd).toBeLessThanOrEqual(0);
  });

  it('the SVD part is invariant to scaling the features; the energy part is not', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    const a = await etran(s.features, s.labels);
    const b = await etran(matrix(s.features.rows, s.features.cols, s.features.data.map((v) => 4 * v)), s.labels);
    expect(relErr(b.components.svd, a.components.svd)).toBeLessThan(1e-9);
    expect(b.components.energy).not.toBeCloseTo(a.components.energy, 3);
  });

  it('pooled values lie in [0, 3], do not depend on pool order, and move when a model joins', async () => {
    const members: PoolMember[] = [];
    for (const sep of [0.5, 2, 6]) {
      const s = syntheticInput({ ...base, separation: sep });
      members.push(await member(`sep${sep}`, s.features, s.labels));
    }
    const v = etranPoolScores(members);
    v.forEach((x) => {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(3);
    });
    expect(etranPoolScores([...members].reverse()).reverse()).toEqual(v);
    expect(etranPoolScores(members.slice(0, 2))[1]).not.toBeCloseTo(v[1], 6);
  });

  it('refuses a bad energy fraction and bad labels', async () => {
    const s = syntheticInput({ ...base, separation: 2 });
    await expect(etran(s.features, s.labels, { energyFraction: 0 })).rejects.toThrow(/energyFraction/);
    await expect(etran(s.features, s.labels.slice(1))).rejects.toThrow(MetricInputError);
  });
});
