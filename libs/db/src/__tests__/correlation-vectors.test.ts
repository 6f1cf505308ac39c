import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource, importLongResults, importStudyResults, migrate, openDatabase, revertLastMigration, type Database } from '../index';
import { freshDatabase, SHARED } from './test-database';

const RESULTS = join(SHARED, 'paper/results');
const PAPER = { performances: { path: join(RESULTS, 'task_performances.csv') }, scores: { path: join(RESULTS, 'transf_metrics_values.csv') } };

type Vectors = Map<string, [string, number][]>;

/** Bytewise (UTF-8) order, as Postgres' C collation sorts. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** What the vector tables should hold, computed here from the result rows themselves. */
async function expectedVectors(ds: DataSource): Promise<{ scores: Vectors; evaluations: Vectors }> {
  const group = (rows: { key: string; model: string; value: number }[]): Vectors => {
    const out: Vectors = new Map();
    for (const { key, model, value } of rows) {
      const list = out.get(key) ?? [];
      list.push([model, value]);
      out.set(key, list);
    }
    for (const list of out.values()) list.sort(([a], [b]) => byteOrder(a, b));
    return out;
  };
  const scores: { key: string; model: string; value: number; status: string }[] = await ds.query(
    `SELECT concat_ws('|', study_id, dataset_id, metric_id, split, pool_id) AS key, model_id AS model, value, status FROM score`,
  );
  const evaluations: { key: string; model: string; value: number }[] = await ds.query(
    `SELECT concat_ws('|', study_id, dataset_id, measure, protocol) AS key, model_id AS model, value FROM evaluation`,
  );
  return { scores: group(scores.filter((row) => row.status === 'ok' && row.value !== null)), evaluations: group(evaluations) };
}

/** The vector tables, decoded (model ids split, big-endian float64 values read). */
async function storedVectors(ds: DataSource): Promise<{ scores: Vectors; evaluations: Vectors }> {
  const decode = (rows: { key: string; models: string; bytes: Buffer }[]): Vectors => {
    const out: Vectors = new Map();
    for (const { key, models, bytes } of rows) {
      const ids = models.split('\u001f');
      expect(bytes.length).toBe(8 * ids.length);
      out.set(key, ids.map((id, i) => [id, bytes.readDoubleBE(8 * i)]));
    }
    return out;
  };
  const scores = await ds.query(`SELECT concat_ws('|', study_id, dataset_id, metric_id, split, pool_id) AS key, models, scores AS bytes FROM score_vector`);
  const evaluations = await ds.query(`SELECT concat_ws('|', study_id, dataset_id, measure, protocol) AS key, models, performance AS bytes FROM evaluation_vector`);
  return { scores: decode(scores), evaluations: decode(evaluations) };
}

async function expectVectorsCurrent(ds: DataSource): Promise<void> {
  const [stored, expected] = await Promise.all([storedVectors(ds), expectedVectors(ds)]);
  expect(stored.scores).toEqual(expected.scores);
  expect(stored.evaluations).toEqual(expected.evaluations);
}

const count = async (ds: DataSource, table: 'score_vector' | 'evaluation_vector'): Promise<number> =>
  ((await ds.query(table === 'score_vector' ? 'SELECT count(*)::int AS n FROM score_vector' : 'SELECT count(*)::int AS n FROM evaluation_vector')) as { n: number }[])[0]!.n;

describe('correlation vectors on the Postgres of DATABASE_URL', () => {
  let fixture: Awaited<ReturnType<typeof freshDatabase>>;
  let ds: DataSource;
  beforeAll(async () => {
    fixture = await freshDatabase();
    ds = fixture.db.dataSource;
  });
  afterAll(async () => fixture.dispose());

  it('follow an import and a re-import', async () => {
    await importStudyResults(ds, 'paper', PAPER);
    expect(await count(ds, 'score_vector')).toBeGreaterThan(20);
    await expectVectorsCurrent(ds);
    const again = await importStudyResults(ds, 'paper', PAPER);
    expect(again.scores.inserted + again.scores.updated).toBe(0);
    await expectVectorsCurrent(ds);
  });

  it('follow a long-format import that changes values and adds a model', async () => {
    const rows = (await ds.query(
      `SELECT d.name AS dataset, s.model_id AS model, s.metric_id AS metric, s.value, e.value AS performance
       FROM score s JOIN dataset d ON d.id = s.dataset_id JOIN study st ON st.id = s.study_id
       JOIN evaluation e ON e.study_id = s.study_id AND e.dataset_id = s.dataset_id AND e.model_id = s.model_id AND e.measure = 'test_balanced_accuracy'
       WHERE st.name = 'paper' AND s.status = 'ok' ORDER BY 1, 2, 3 LIMIT 40`,
    )) as { dataset: string; model: string; metric: string; value: number; performance: number }[];
    const lines = rows.map((r, i) => `${r.dataset},${r.model},${r.performance},4,${r.metric},${i % 3 === 0 ? r.value + 1 : r.value}`);
    lines.push(`${rows[0]!.dataset},zz-new-model,0.5,4,${rows[0]!.metric},0.25`);
    const text = ['dataset,model,test_score,classes,transf_metric,transf_score', ...lines].join('\n') + '\n';
    const first = await importLongResults(ds, 'long', { name: 'long.csv', text });
    expect(first.scores.inserted).toBe(lines.length);
    await expectVectorsCurrent(ds);
    const changed = await importLongResults(ds, 'long', { name: 'long.csv', text: text.replace(',0.25\n', ',0.75\n') });
    expect(changed.scores.updated).toBe(1);
    await expectVectorsCurrent(ds);
  });

  it('follow updates of values, status and group keys, and deletes', async () => {
    await ds.query(`UPDATE score SET value = value * 2 WHERE id % 5 = 0`);
    await expectVectorsCurrent(ds);
    // A failed score leaves its vector; an ok one comes back.
    await ds.query(`UPDATE score SET status = 'failed', value = NULL, reason = 'test' WHERE id % 7 = 0`);
    await expectVectorsCurrent(ds);
    await ds.query(`UPDATE score SET status = 'ok', value = 0.5, reason = NULL WHERE id % 14 = 0`);
    await expectVectorsCurrent(ds);
    // Moving rows to another group rebuilds both the old and the new one.
    await ds.query(`UPDATE score SET split = 'val' WHERE id % 3 = 0`);
    await ds.query(`UPDATE evaluation SET protocol = 'finetune' WHERE id % 2 = 0`);
    await expectVectorsCurrent(ds);
    await ds.query(`UPDATE evaluation SET value = value / 2 WHERE id % 3 = 1`);
    await ds.query(`DELETE FROM score WHERE id % 11 = 0`);
    await ds.query(`DELETE FROM evaluation WHERE id % 13 = 0`);
    await expectVectorsCurrent(ds);
    // A whole group deleted leaves no empty vector behind.
    const [{ dataset }] = (await ds.query(`SELECT dataset_id AS dataset FROM score LIMIT 1`)) as { dataset: number }[];
    await ds.query(`DELETE FROM score WHERE dataset_id = $1`, [dataset]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM score_vector WHERE dataset_id = $1`, [dataset]))[0].n).toBe(0);
    await expectVectorsCurrent(ds);
  });

  it('are rebuilt with a fresh snapshot: two transactions writing one group both land', async () => {
    const [{ study, dataset }] = (await ds.query(`SELECT s.id AS study, d.id AS dataset FROM study s, dataset d WHERE s.name = 'long' LIMIT 1`)) as { study: number; dataset: number }[];
    await ds.query(`INSERT INTO source_model (id) VALUES ('race-a'), ('race-b') ON CONFLICT DO NOTHING`);
    await ds.query(`INSERT INTO metric (id) VALUES ('race_metric') ON CONFLICT DO NOTHING`);
    const first = ds.createQueryRunner();
    const second = ds.createQueryRunner();
    try {
      await first.startTransaction();
      await second.startTransaction();
      const insert = `INSERT INTO score (study_id, metric_id, model_id, dataset_id, value) VALUES ($1, 'race_metric', $2, $3, $4)`;
      await first.query(insert, [study, 'race-a', dataset, 1]);
      // The second blocks on the first's lock until it commits, then rebuilds the group with both rows.
      const blocked = second.query(insert, [study, 'race-b', dataset, 2]).then(() => second.commitTransaction());
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.commitTransaction();
      await blocked;
    } finally {
      await first.release();
      await second.release();
    }
    const [vector] = (await ds.query(`SELECT models FROM score_vector WHERE study_id = $1 AND dataset_id = $2 AND metric_id = 'race_metric'`, [study, dataset])) as { models: string }[];
    expect(vector?.models).toBe('race-a\u001frace-b');
    await expectVectorsCurrent(ds);
  });

  it('are removed with their study and emptied by TRUNCATE', async () => {
    await ds.query(`DELETE FROM study WHERE name = 'long'`);
    await expectVectorsCurrent(ds);
    expect(await count(ds, 'score_vector')).toBeGreaterThan(0);
    await ds.query('TRUNCATE score, evaluation');
    expect(await count(ds, 'score_vector')).toBe(0);
    expect(await count(ds, 'evaluation_vector')).toBe(0);
  });

  it('are backfilled by the migration from the rows already stored', async () => {
    await importStudyResults(ds, 'paper-again', PAPER);
    const before = await storedVectors(ds);
    await revertLastMigration(ds);
    const [{ exists }] = (await ds.query(`SELECT to_regclass('score_vector') IS NOT NULL AS exists`)) as { exists: boolean }[];
    expect(exists).toBe(false);
    expect(await migrate(ds)).toEqual(['CorrelationVectors1764320000000']);
    expect(await storedVectors(ds)).toEqual(before);
    await expectVectorsCurrent(ds);
  });
});

describe('correlation vectors in the embedded database', () => {
  let db: Database;
  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), 'ts-vectors-'));
    // The cluster runs as the postgres system user, which must be able to enter the home.
    chmodSync(home, 0o755);
    db = await openDatabase({ kind: 'embedded', home });
  }, 60_000);
  afterAll(async () => db?.close());

  it('follow imports, updates and deletes', async () => {
    const ds = db.dataSource;
    await importStudyResults(ds, 'paper', PAPER);
    await expectVectorsCurrent(ds);
    await ds.query(`UPDATE score SET value = -value WHERE id % 4 = 0`);
    await ds.query(`UPDATE evaluation SET value = value + 0.01 WHERE id % 4 = 1`);
    await ds.query(`DELETE FROM score WHERE id % 9 = 0`);
    await expectVectorsCurrent(ds);
    // A second data source on the same cluster sees what the first wrote.
    const other = createDataSource(db.url);
    await other.initialize();
    await expectVectorsCurrent(other);
    await other.destroy();
  }, 60_000);
});
