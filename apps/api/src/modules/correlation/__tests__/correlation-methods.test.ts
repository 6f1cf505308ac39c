import { createScratchDatabase, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { groupedKendallTau, pearson, regret, relativeTopK, spearman, weightedTau } from '@transferscope/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationMethod } from '../correlation-method.enum';
import { BootstrapIntervalKind, CorrelationGrouping, DatasetRoleFilter, TransferProtocolFilter } from '../correlation-options.enum';
import { CorrelationError } from '../correlation.error';
import { CorrelationService, type CorrelationQuery } from '../correlation.service';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Tau-b by its O(n^2) definition: an independent check of the pairs the service forms. */
function referenceTauB(x: number[], y: number[]): number {
  let s = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tx++;
      if (dy === 0) ty++;
      s += dx * dy;
    }
  }
  const pairs = (x.length * (x.length - 1)) / 2;
  return s / Math.sqrt((pairs - tx) * (pairs - ty));
}

const MODELS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
const TOP1 = [0.71, 0.76, 0.74, 0.8, 0.69, 0.78];
const PARAMS = [3e6, 25e6, 11e6, 60e6, 2e6, 44e6];
/** Per dataset: test balanced accuracy per model, and the two metrics' values (`down` is lower-is-better). */
const DATA = {
  alpha: { accuracy: [0.62, 0.7, 0.66, 0.74, 0.6, 0.71], up: [1.2, 2.9, 2.1, 3.3, 0.4, 2.5], down: [5, 2, 4, 1, 6, 3.5] },
  beta: { accuracy: [0.81, 0.79, 0.85, 0.88, 0.8, 0.83], up: [0.3, 0.1, 0.6, 0.5, 0.2, 0.4], down: [2, 3, 1.5, 1, 2.5, 1.2] },
} as const;

describe('CorrelationService methods, grouping, filters, baselines, bootstrap and cache', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let service: CorrelationService;
  const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    service = new CorrelationService(db.dataSource, { maxBootstrapWork: 50_000 });
    await q(`INSERT INTO study (name, origin) VALUES ('s', 'imported')`);
    await q(`INSERT INTO dataset (name, role) VALUES ('alpha', 'ID'), ('beta', 'OOD')`);
    await q(`INSERT INTO metric (id, direction) VALUES ('up', 'higher'), ('down', 'lower')`);
    for (let m = 0; m < MODELS.length; m++) {
      await q('INSERT INTO source_model (id, imagenet_top1, parameter_count) VALUES ($1, $2, $3)', [MODELS[m], TOP1[m], PARAMS[m]]);
    }
    for (const [dataset, values] of Object.entries(DATA)) {
      for (let m = 0; m < MODELS.length; m++) {
        for (const metric of ['up', 'down'] as const) {
          await q(`INSERT INTO score (study_id, metric_id, model_id, dataset_id, value) SELECT 1, $1, $2, id, $3 FROM dataset WHERE name = $4`, [metric, MODELS[m], values[metric][m], dataset]);
        }
        await q(
          `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value) SELECT 1, $1, id, 'test', 'imported', 'test_balanced_accuracy', $2 FROM dataset WHERE name = $3`,
          [MODELS[m], values.accuracy[m], dataset],
        );
      }
    }
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  const base: CorrelationQuery = { method: CorrelationMethod.KENDALL_TAU_B, performance: 'test_balanced_accuracy' };
  const find = (rows: Awaited<ReturnType<CorrelationService['correlations']>>, dataset: string, metric: string) => rows.find((r) => r.dataset === dataset && r.metric === metric)!;
  const negated = (values: readonly number[]) => values.map((v) => -v);

  it('pairs each score with its model\'s performance; lower-is-better scores are negated first', async () => {
    const rows = await service.correlations({ ...base, includeBaselines: false });
    expect(rows.map((r) => `${r.dataset}/${r.metric}`).sort()).toEqual(['alpha/down', 'alpha/up', 'beta/down', 'beta/up']);
    for (const [dataset, values] of Object.entries(DATA)) {
      expect(find(rows, dataset, 'up').value).toBeCloseTo(referenceTauB([...values.up], [...values.accuracy]), 12);
      expect(find(rows, dataset, 'down').value).toBeCloseTo(referenceTauB(negated(values.down), [...values.accuracy]), 12);
      expect(find(rows, dataset, 'up')).toMatchObject({ n: 6, groups: 1, protocol: 'imported', scoreSplit: 'train', pool: '', poolRelative: false, baseline: false });
    }
  });

  it('computes every method on the same pairs as @transferscope/stats does', async () => {
    const { up, accuracy } = DATA.alpha;
    const expected: [CorrelationMethod, number, number | null][] = [
      [CorrelationMethod.SPEARMAN, spearman(up, accuracy).statistic, spearman(up, accuracy).pValue],
      [CorrelationMethod.PEARSON, pearson(up, accuracy).statistic, pearson(up, accuracy).pValue],
      [CorrelationMethod.WEIGHTED_TAU, weightedTau(up, accuracy).statistic, null],
      [CorrelationMethod.GROUPED_TAU, groupedKendallTau(up, accuracy, MODELS.map(() => 'g')).statistic, null],
      [CorrelationMethod.GROUPED_WEIGHTED_TAU, groupedKendallTau(up, accuracy, MODELS.map(() => 'g'), { weighted: true }).statistic, null],
      [CorrelationMethod.REL_TOP1, relativeTopK(up, accuracy, 1), null],
      [CorrelationMethod.REL_TOP3, relativeTopK(up, accuracy, 3), null],
      [CorrelationMethod.REGRET, regret(up, accuracy), null],
    ];
    for (const [method, value, pValue] of expected) {
      const [row] = await service.correlations({ ...base, method, datasets: ['alpha'], metrics: ['up'] });
      expect(row!.value, method).toBeCloseTo(value, 12);
      if (pValue === null) expect(row!.pValue, method).toBeNull();
      else expect(row!.pValue, method).toBeCloseTo(pValue, 12);
    }
  });

  it('groups by study: per-dataset methods average, grouped methods pool within-dataset pairs', async () => {
    const [tau] = await service.correlations({ ...base, groupBy: CorrelationGrouping.STUDY, metrics: ['up'] });
    const mean = (referenceTauB([...DATA.alpha.up], [...DATA.alpha.accuracy]) + referenceTauB([...DATA.beta.up], [...DATA.beta.accuracy])) / 2;
    expect(tau).toMatchObject({ study: 's', dataset: '*', n: 12, groups: 2, pValue: null });
    expect(tau!.value).toBeCloseTo(mean, 12);
    const [grouped] = await service.correlations({ ...base, method: CorrelationMethod.GROUPED_TAU, groupBy: CorrelationGrouping.NONE, metrics: ['up'] });
    const labels = [...MODELS.map(() => 'alpha'), ...MODELS.map(() => 'beta')];
    expect(grouped).toMatchObject({ study: '*', dataset: '*', n: 12 });
    expect(grouped!.value).toBeCloseTo(groupedKendallTau([...DATA.alpha.up, ...DATA.beta.up], [...DATA.alpha.accuracy, ...DATA.beta.accuracy], labels).statistic, 12);
  });

  it('adds ImageNet top-1 and parameter count as baseline rows, and honours the filters', async () => {
    const rows = await service.correlations({ ...base, datasets: ['alpha'] });
    const top1 = find(rows, 'alpha', 'imagenet_top1');
    expect(top1).toMatchObject({ baseline: true, n: 6 });
    expect(top1.value).toBeCloseTo(referenceTauB(TOP1, [...DATA.alpha.accuracy]), 12);
    expect(find(rows, 'alpha', 'parameter_count').value).toBeCloseTo(referenceTauB(PARAMS, [...DATA.alpha.accuracy]), 12);
    expect(await service.correlations({ ...base, metrics: ['parameter_count'] })).toHaveLength(2);

    const ood = await service.correlations({ ...base, datasetRole: DatasetRoleFilter.OOD, includeBaselines: false });
    expect(new Set(ood.map((r) => r.dataset))).toEqual(new Set(['beta']));
    const pool = await service.correlations({ ...base, models: ['m1', 'm2', 'm3'], datasets: ['alpha'], metrics: ['up'] });
    expect(pool[0]!.n).toBe(3);
    expect(pool[0]!.value).toBeCloseTo(referenceTauB(DATA.alpha.up.slice(0, 3), DATA.alpha.accuracy.slice(0, 3)), 12);
    expect(await service.correlations({ ...base, protocol: TransferProtocolFilter.FINETUNE })).toEqual([]);
  });

  it('answers one row per baseline where a study also scored it as a metric (the scored one)', async () => {
    await q(`INSERT INTO metric (id, direction) VALUES ('parameter_count', 'higher')`);
    for (let m = 0; m < MODELS.length; m++) {
      await q(`INSERT INTO score (study_id, metric_id, model_id, dataset_id, value) SELECT 1, 'parameter_count', $1, id, $2 FROM dataset WHERE name = 'alpha'`, [MODELS[m], PARAMS[m]]);
    }
    try {
      const rows = await service.correlations({ ...base, metrics: ['parameter_count'] });
      expect(rows.map((r) => [r.dataset, r.baseline])).toEqual([
        ['alpha', false],
        ['beta', true],
      ]);
      expect(rows[0]!.value).toBeCloseTo(referenceTauB(PARAMS, [...DATA.alpha.accuracy]), 12);
    } finally {
      await q(`DELETE FROM score WHERE metric_id = 'parameter_count'`);
      await q(`DELETE FROM metric WHERE id = 'parameter_count'`);
    }
  });

  it('gives identical bootstrap intervals for the same seed, and reports the seed it drew when none is given', async () => {
    const query = { ...base, datasets: ['alpha'], metrics: ['up'], bootstrap: { resamples: 500, seed: 42, interval: BootstrapIntervalKind.PERCENTILE, level: 0.9 } };
    const fresh = new CorrelationService(db.dataSource);
    const [a] = await service.correlations(query);
    const [b] = await fresh.correlations(query);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ seed: 42, ciLevel: 0.9 });
    expect(a!.ciLow!).toBeLessThanOrEqual(a!.ciHigh!);
    const [hdi] = await fresh.correlations({ ...query, bootstrap: { ...query.bootstrap, interval: BootstrapIntervalKind.HDI } });
    // The highest-density interval is the narrowest one holding the same share of resamples.
    expect(hdi!.ciHigh! - hdi!.ciLow!).toBeLessThanOrEqual(a!.ciHigh! - a!.ciLow! + 1e-12);
    const [unseeded] = await fresh.correlations({ ...query, bootstrap: { ...query.bootstrap, seed: null } });
    expect(Number.isInteger(unseeded!.seed)).toBe(true);
    const [again] = await fresh.correlations({ ...query, bootstrap: { ...query.bootstrap, seed: unseeded!.seed } });
    expect([again!.ciLow, again!.ciHigh]).toEqual([unseeded!.ciLow, unseeded!.ciHigh]);
  });

  it('refuses a bootstrap larger than resamples x rows allows, naming the limit', async () => {
    const attempt = service.correlations({ ...base, bootstrap: { resamples: 10_000, seed: 1, interval: BootstrapIntervalKind.PERCENTILE, level: 0.95 } });
    await expect(attempt).rejects.toBeInstanceOf(CorrelationError);
    await expect(attempt).rejects.toThrow(/10000 resamples over 8 rows exceeds the limit of 50000/);
  });

  it('serves repeated queries from the cache until any write changes the database', async () => {
    const cached = new CorrelationService(db.dataSource);
    const query = { ...base, datasets: ['alpha'], metrics: ['up'] };
    const first = await cached.correlations(query);
    expect(await cached.correlations({ ...query, metrics: ['up'], datasets: ['alpha'] })).toBe(first);
    expect(cached.cacheStats).toEqual({ hits: 1, misses: 1 });
    await q(`UPDATE evaluation SET value = 0.99 WHERE model_id = 'm1' AND dataset_id = (SELECT id FROM dataset WHERE name = 'alpha')`);
    const after = await cached.correlations(query);
    expect(cached.cacheStats.misses).toBe(2);
    const accuracy = [0.99, ...DATA.alpha.accuracy.slice(1)];
    expect(after[0]!.value).toBeCloseTo(referenceTauB([...DATA.alpha.up], accuracy), 12);
    await q(`UPDATE evaluation SET value = $1 WHERE model_id = 'm1' AND dataset_id = (SELECT id FROM dataset WHERE name = 'alpha')`, [DATA.alpha.accuracy[0]]);
  });
});
