import { createScratchDatabase, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationMethod } from '../correlation-method.enum';
import { CorrelationError } from '../correlation.error';
import { CorrelationService } from '../correlation.service';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('CorrelationService', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let service: CorrelationService;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    service = new CorrelationService(db.dataSource);
    const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
    await q(`INSERT INTO study (name, origin) VALUES ('s', 'imported')`);
    await q(`INSERT INTO dataset (name) VALUES ('two'), ('one'), ('flat')`);
    await q(`INSERT INTO source_model (id) VALUES ('a'), ('b'), ('c')`);
    await q(`INSERT INTO metric (id) VALUES ('m')`);
    // dataset "two": three models, perfectly concordant; "one": a single model; "flat": constant scores.
    const rows: [string, string, number, number][] = [
      ['two', 'a', 1, 0.5], ['two', 'b', 2, 0.6], ['two', 'c', 3, 0.7],
      ['one', 'a', 1, 0.5],
      ['flat', 'a', 1, 0.5], ['flat', 'b', 1, 0.6], ['flat', 'c', 1, 0.7],
    ];
    for (const [dataset, model, score, accuracy] of rows) {
      await q(`INSERT INTO score (study_id, metric_id, model_id, dataset_id, value) SELECT 1, 'm', $1, id, $2 FROM dataset WHERE name = $3`, [model, score, dataset]);
      await q(
        `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value) SELECT 1, $1, id, 'test', 'imported', 'test_balanced_accuracy', $2 FROM dataset WHERE name = $3`,
        [model, accuracy, dataset],
      );
    }
    // A skipped score has no value and must not count.
    await q(`INSERT INTO metric (id) VALUES ('skipped_metric')`);
    await q(`INSERT INTO score (study_id, metric_id, model_id, dataset_id, status, reason) SELECT 1, 'skipped_metric', 'a', id, 'skipped', 'no source head' FROM dataset WHERE name = 'two'`);
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  const query = { method: CorrelationMethod.KENDALL_TAU_B, performance: 'test_balanced_accuracy' };

  it('gives one row per (study, dataset, metric), null where tau is undefined', async () => {
    const rows = await service.correlations(query);
    const byDataset = Object.fromEntries(rows.map((row) => [row.dataset, row]));
    expect(Object.keys(byDataset).sort()).toEqual(['flat', 'one', 'two']);
    expect(byDataset['two']).toMatchObject({ value: 1, n: 3, metric: 'm', study: 's' });
    expect(byDataset['two']!.pValue).toBeCloseTo(1 / 3, 12); // exact: P(|tau| >= 1) = 2 / 3! for n = 3
    expect(byDataset['one']).toMatchObject({ value: null, pValue: null, n: 1 });
    expect(byDataset['flat']).toMatchObject({ value: null, pValue: null, n: 3 });
  });

  it('filters by dataset and metric', async () => {
    expect(await service.correlations({ ...query, datasets: ['two'], metrics: ['m'] })).toHaveLength(1);
    expect(await service.correlations({ ...query, metrics: ['skipped_metric'] })).toEqual([]);
    expect(await service.correlations({ ...query, studies: ['other'] })).toEqual([]);
  });

  it('names the known measures when asked for an unknown one', async () => {
    const attempt = service.correlations({ ...query, performance: 'top5' });
    await expect(attempt).rejects.toBeInstanceOf(CorrelationError);
    await expect(attempt).rejects.toThrow('no evaluation has the performance measure "top5"; known measures: test_balanced_accuracy');
  });
});
