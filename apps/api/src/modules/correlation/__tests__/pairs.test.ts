import { createScratchDatabase, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { kendallTauB } from '@transferscope/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationMethod } from '../correlation-method.enum';
import { DatasetRoleFilter, TransferProtocolFilter } from '../correlation-options.enum';
import { CorrelationService } from '../correlation.service';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The pairing of scores with performances now happens in Node (scores and evaluations are read separately): it must
 * give exactly the pairs a SQL join of the two tables gives, whatever is missing on either side.
 */
describe('CorrelationService pairing', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let service: CorrelationService;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    service = new CorrelationService(db.dataSource, { cacheEntries: 0 });
    const q = (sql: string) => db.dataSource.query(sql);
    await q(`INSERT INTO study (name, origin) VALUES ('s1', 'imported'), ('s2', 'imported')`);
    await q(`INSERT INTO dataset (name, role) VALUES ('d1', 'ID'), ('d2', 'OOD')`);
    await q(`INSERT INTO source_model (id) VALUES ('m_b'), ('m-a'), ('M_c'), ('m_d'), ('m_e')`);
    await q(`INSERT INTO metric (id, direction) VALUES ('hi', 'higher'), ('lo', 'lower')`);
    // Pseudo-random values; some scores and some evaluations are missing, and s1 evaluates under two protocols.
    await q(
      `INSERT INTO score (study_id, metric_id, model_id, dataset_id, value)
       SELECT st.id, me.id, mo.id, d.id, round((hashtext(st.name || me.id || mo.id || d.name) % 1000) / 1000.0, 3)
       FROM study st, metric me, source_model mo, dataset d
       WHERE hashtext(st.name || me.id || mo.id || d.name) % 7 <> 0`,
    );
    await q(
      `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value)
       SELECT st.id, mo.id, d.id, 'test', p.protocol, 'test_balanced_accuracy', abs(hashtext(mo.id || d.name || p.protocol) % 1000) / 1000.0
       FROM study st, source_model mo, dataset d, (VALUES ('finetune'), ('linear-probe')) AS p(protocol)
       WHERE (st.name = 's1' OR p.protocol = 'finetune') AND hashtext(st.name || mo.id || d.name || p.protocol) % 5 <> 0`,
    );
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('gives the pairs a SQL join gives: stored scores, their performance, every protocol, models in order', async () => {
    const joined: { study: string; dataset: string; metric: string; model: string; protocol: string; score: number; performance: number }[] = await db.dataSource.query(
      `SELECT st.name AS study, d.name AS dataset, s.metric_id AS metric, s.model_id AS model, e.protocol, s.value AS score, e.value AS performance
       FROM score s JOIN evaluation e ON e.study_id = s.study_id AND e.dataset_id = s.dataset_id AND e.model_id = s.model_id
       JOIN study st ON st.id = s.study_id JOIN dataset d ON d.id = s.dataset_id
       WHERE e.measure = 'test_balanced_accuracy'
       ORDER BY st.name COLLATE "C", d.name COLLATE "C", s.metric_id COLLATE "C", e.protocol COLLATE "C", s.model_id COLLATE "C"`,
    );
    expect(joined.length).toBeGreaterThan(40);
    const pairs = (await service.pairs({ performance: 'test_balanced_accuracy', includeBaselines: false })).map(({ study, dataset, metric, model, protocol, score, performance }) => ({
      study,
      dataset,
      metric,
      model,
      protocol,
      score,
      performance,
    }));
    expect(pairs).toEqual(joined);
  });

  it("gives each (study, dataset) row the library's tau-b of the joined pairs, vectors of one dataset listing different models, pools included", async () => {
    // Ties in one metric's scores and one dataset's performances take the general path beside the counted one.
    await db.dataSource.query(`UPDATE score SET value = 0.5 WHERE metric_id = 'hi' AND model_id IN ('m_b', 'm-a')`);
    const lists: { lists: number }[] = await db.dataSource.query(`SELECT count(DISTINCT models)::int AS lists FROM score_vector GROUP BY study_id, dataset_id ORDER BY 1 DESC LIMIT 1`);
    expect(lists[0]!.lists).toBeGreaterThan(1);
    for (const models of [undefined, ['m-a', 'M_c', 'm_d', 'm_e']]) {
      const query = { performance: 'test_balanced_accuracy', includeBaselines: false, models };
      const rows = await service.correlations({ ...query, method: CorrelationMethod.KENDALL_TAU_B });
      const pairs = await service.pairs(query);
      expect(rows.length).toBeGreaterThan(8);
      expect(rows.map((row) => [row.study, row.dataset, row.metric, row.protocol].join('/'))).toEqual(
        [...new Set(pairs.map((p) => [p.study, p.dataset, p.metric, p.protocol].join('/')))],
      );
      for (const row of rows) {
        const mine = pairs.filter((p) => p.study === row.study && p.dataset === row.dataset && p.metric === row.metric && p.protocol === row.protocol);
        expect(row.n).toBe(mine.length);
        if (mine.length < 2) {
          expect(row.value).toBeNull();
          continue;
        }
        const x = Float64Array.from(mine, (p) => (p.metric === 'lo' ? -p.score : p.score));
        const expected = kendallTauB(x, Float64Array.from(mine, (p) => p.performance));
        expect(row.value).toBe(Number.isFinite(expected.statistic) ? expected.statistic : null);
        expect(row.pValue).toBe(Number.isFinite(expected.statistic) && Number.isFinite(expected.pValue) ? expected.pValue : null);
      }
    }
  });

  it('correlates the same pairs, lower-is-better scores negated, and filters by protocol, role and model', async () => {
    const rows = await service.correlations({ method: CorrelationMethod.PEARSON, performance: 'test_balanced_accuracy', includeBaselines: false });
    const pairs = await service.pairs({ performance: 'test_balanced_accuracy', includeBaselines: false });
    for (const row of rows) {
      const mine = pairs.filter((p) => p.study === row.study && p.dataset === row.dataset && p.metric === row.metric && p.protocol === row.protocol);
      expect(row.n).toBe(mine.length);
    }
    expect(new Set(rows.map((row) => row.protocol))).toEqual(new Set(['finetune', 'linear-probe']));
    const probe = await service.correlations({ method: CorrelationMethod.KENDALL_TAU_B, performance: 'test_balanced_accuracy', protocol: TransferProtocolFilter.LINEAR_PROBE, includeBaselines: false });
    expect(probe.length).toBeGreaterThan(0);
    expect(probe.every((row) => row.protocol === 'linear-probe' && row.study === 's1')).toBe(true);
    const ood = await service.correlations({ method: CorrelationMethod.KENDALL_TAU_B, performance: 'test_balanced_accuracy', datasetRole: DatasetRoleFilter.OOD, includeBaselines: false });
    expect(ood.every((row) => row.dataset === 'd2')).toBe(true);
    const pool = await service.pairs({ performance: 'test_balanced_accuracy', models: ['m-a', 'M_c'], includeBaselines: false });
    expect(new Set(pool.map((p) => p.model))).toEqual(new Set(['m-a', 'M_c']));
    // Orientation: tau of a lower-is-better score is minus the tau of the stored values.
    const lo = rows.filter((row) => row.metric === 'lo');
    const loStored = await service.pairs({ performance: 'test_balanced_accuracy', metrics: ['lo'], includeBaselines: false });
    for (const row of lo) {
      const mine = loStored.filter((p) => p.study === row.study && p.dataset === row.dataset && p.protocol === row.protocol);
      if (mine.length < 3 || row.value === null) continue;
      const x = mine.map((p) => p.score);
      const y = mine.map((p) => p.performance);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const [mx, my] = [mean(x), mean(y)];
      const r = x.reduce((a, xi, i) => a + (xi - mx) * (y[i]! - my), 0) / Math.sqrt(x.reduce((a, xi) => a + (xi - mx) ** 2, 0) * y.reduce((a, yi) => a + (yi - my) ** 2, 0));
      expect(row.value).toBeCloseTo(-r, 10);
    }
  });
});
