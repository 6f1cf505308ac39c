import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../errors';
import { createRegistry } from '../registry/registry';
import { scoreAll } from '../score-all';
import { goldenNames, loadGolden, relErr, relTolerance } from './golden';

const ALL = ['hscore', 'reg_hscore', 'leep', 'nleep', 'nce', 'gbc', 'logme'];

describe.each(goldenNames())('scoreAll on golden case %s', (name) => {
  it('every score equals the reference, sharing intermediates', async () => {
    const g = loadGolden(name);
    const r = await scoreAll({ features: g.features, labels: g.labels, sourceProbabilities: g.predictions }, 'all', {
      options: { nleep: { initLabels: g.intermediates['nleep_gmm_init_kmeans_labels'] } },
    });
    for (const id of ALL) {
      const expected = g.outputs[id];
      if (expected === null) {
        // GBC with min(N, D) < 64: the reference raised, we report the score as skipped with the reason.
        expect(g.errors[id]).toBeDefined();
        expect(r.skipped[id]).toMatch(/principal components/);
        continue;
      }
      expect(relErr(r.values[id], expected)).toBeLessThanOrEqual(relTolerance(g, id));
      expect(r.seconds[id]).toBeGreaterThanOrEqual(0);
    }
    expect(r.diagnostics['hscore']['pinvRank']).toBe(g.intermediates['hscore_pinv_rank']);
  });
});

describe('scoreAll', () => {
  const g = loadGolden('small_binary');

  it('reports metrics whose inputs are missing as skipped, not errors', async () => {
    const r = await scoreAll({ features: g.features, labels: g.labels }, ['leep', 'nce', 'hscore']);
    expect(r.skipped['leep']).toBe('missing input: sourceProbabilities');
    expect(r.skipped['nce']).toBe('missing input: sourceLabels');
    expect(relErr(r.values['hscore'], g.outputs['hscore'] as number)).toBeLessThan(1e-9);
  });

  it('scores prediction-only inputs (no features)', async () => {
    const r = await scoreAll({ labels: g.labels, sourceProbabilities: g.predictions }, 'all');
    // Exactly the metrics that need nothing but labels and the source head.
    const headOnly = createRegistry()
      .list()
      .filter((m) => m.requires.every((k) => k === 'labels' || k === 'sourceProbabilities' || k === 'sourceLabels'))
      .map((m) => m.id);
    expect(headOnly).toEqual(expect.arrayContaining(['leep', 'leep_prob', 'nce']));
    expect(Object.keys(r.values).sort()).toEqual(headOnly.sort());
    expect(r.skipped['logme']).toBe('missing input: features');
  });

  it('uses given source labels for NCE', async () => {
    const z = Int32Array.from(g.labels);
    const r = await scoreAll({ labels: g.labels, sourceLabels: z }, ['nce']);
    expect(r.values['nce']).toBe(0); // source labels identical to the targets: H(Y | Z) = 0
  });

  it('rejects an unknown metric id and invalid input before computing anything', async () => {
    await expect(scoreAll({ features: g.features, labels: g.labels }, ['nope'])).rejects.toThrow(/unknown metric "nope"/);
    const bad = Int32Array.from(g.labels);
    bad[0] = 5;
    await expect(scoreAll({ features: g.features, labels: bad }, ['hscore'])).rejects.toThrow(MetricInputError);
  });

  it('computes GBC on fewer components only when asked, and says how many', async () => {
    const r = await scoreAll({ features: g.features, labels: g.labels }, ['gbc'], { options: { gbc: { allowFewerComponents: true } } });
    expect(relErr(r.values['gbc'], g.intermediates['gbc_exact_pca'] as number)).toBeLessThan(1e-9);
    expect(r.diagnostics['gbc']['components']).toBe(8);
  });
});
