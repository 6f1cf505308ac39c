import { openDatabase } from '@transferscope/db';
import { Client } from 'pg';
import { type DataSource } from 'typeorm';

export interface SeedSize {
  studies: number;
  datasets: number;
  models: number;
  metrics: number;
}

/** The size: 100 studies x 20 datasets x 30 models x 20 metrics = 1.2M scores and 60,000 evaluations. */
export const FULL_SIZE: SeedSize = { studies: 100, datasets: 20, models: 30, metrics: 20 };

export interface SeedResult {
  scores: number;
  evaluations: number;
  /** Seconds spent seeding (0 when the database already held this seed). */
  seconds: number;
  /** False when an identical seed was found and kept. */
  seeded: boolean;
}

/** Rows the seed writes: every study scores every model on every dataset with every metric, and evaluates it once. */
export function seedCounts(size: SeedSize): { scores: number; evaluations: number } {
  const evaluations = size.studies * size.datasets * size.models;
  return { scores: evaluations * size.metrics, evaluations };
}

/**
 * A synthetic results database for the benchmark. Values are pseudo-random from a fixed Postgres seed, so two runs
 * seed the same numbers. Rows are generated inside Postgres (`INSERT ... SELECT` over `generate_series`): no row
 * crosses the wire, which is faster than COPY from the client; constraints and indexes are rebuilt after the insert.
 *
 * Idempotent: a database that already holds exactly this seed (recorded in `bench_seed`) is kept as it is; any
 * other content of the results tables is removed first.
 */
export async function seedSyntheticResults(dataSource: DataSource, size: SeedSize): Promise<SeedResult> {
  const expected = seedCounts(size);
  const signature = JSON.stringify(size);
  await dataSource.query('CREATE TABLE IF NOT EXISTS bench_seed (signature text NOT NULL)');
  const [marker]: { signature: string }[] = await dataSource.query('SELECT signature FROM bench_seed LIMIT 1');
  if (marker?.signature === signature) {
    const counts = await countRows(dataSource);
    if (counts.scores === expected.scores && counts.evaluations === expected.evaluations) return { ...counts, seconds: 0, seeded: false };
  }

  const started = Date.now();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    // A lost seed on a crash is harmless: it is generated again.
    await runner.query('SET LOCAL synchronous_commit = off');
    await runner.query("SET LOCAL maintenance_work_mem = '256MB'");
    await runner.query('TRUNCATE bench_seed, score, evaluation, trial_epoch, trial, feature_set, study, dataset, source_model, metric RESTART IDENTITY CASCADE');
    // The bulk tables' foreign keys, unique constraints and secondary indexes are dropped during the insert and
    // rebuilt after it from their definitions as the migrations left them: one validating join and one sorted build
    // each, instead of 1.2M row triggers and random index insertions (10x faster).
    // The statements come from the catalogue (format %I quotes the names), kept until the transaction ends.
    await runner.query(
      `CREATE TEMP TABLE bench_ddl ON COMMIT DROP AS
       SELECT 1 AS restore_order, format('DROP INDEX %I', i.relname) AS remove, pg_get_indexdef(i.oid) AS restore
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       WHERE x.indrelid IN ('score'::regclass, 'evaluation'::regclass) AND NOT x.indisprimary
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
       UNION ALL
       SELECT CASE c.contype WHEN 'u' THEN 2 ELSE 3 END, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
              format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
       FROM pg_constraint c WHERE c.conrelid IN ('score'::regclass, 'evaluation'::regclass) AND c.contype IN ('f', 'u')`,
    );
    await runner.query(`DO $$ DECLARE r record; BEGIN FOR r IN SELECT remove FROM bench_ddl ORDER BY restore_order DESC LOOP EXECUTE r.remove; END LOOP; END $$`);
    // setseed and the inserts share one connection, so random() is reproducible.
    await runner.query('SELECT setseed(0.42)');
    await runner.query(`INSERT INTO study (name, origin) SELECT 'bench-' || lpad(i::text, 3, '0'), 'computed' FROM generate_series(1, $1) AS i`, [size.studies]);
    await runner.query(
      `INSERT INTO dataset (name, role) SELECT 'dataset-' || lpad(i::text, 2, '0'), CASE WHEN i % 4 = 0 THEN 'OOD' ELSE 'ID' END FROM generate_series(1, $1) AS i`,
      [size.datasets],
    );
    await runner.query(
      `INSERT INTO source_model (id, imagenet_top1, parameter_count) SELECT 'model-' || lpad(i::text, 2, '0'), 0.6 + 0.25 * random(), (1e6 + 1e8 * random())::bigint FROM generate_series(1, $1) AS i`,
      [size.models],
    );
    await runner.query(`INSERT INTO metric (id) SELECT 'metric-' || lpad(i::text, 2, '0') FROM generate_series(1, $1) AS i`, [size.metrics]);
    await runner.query(
      `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value)
       SELECT st.id, m.id, d.id, 'test', 'finetune', 'test_balanced_accuracy', 0.5 + 0.45 * random()
       FROM study st, source_model m, dataset d ORDER BY st.id, d.id, m.id`,
    );
    // Scores loosely follow the performance (so the coefficients are not all near 0), plus noise. Inserted in the
    // order the correlation query reads them (study, dataset, metric, model), as compute writes them per unit.
    // The statement's trigger then builds the correlation vectors (score_vector) in one pass.
    await runner.query(
      `INSERT INTO score (study_id, metric_id, model_id, dataset_id, value)
       SELECT e.study_id, me.id, e.model_id, e.dataset_id, e.value + 0.3 * random()
       FROM evaluation e, metric me ORDER BY e.study_id, e.dataset_id, me.id, e.model_id`,
    );
    await runner.query(`DO $$ DECLARE r record; BEGIN FOR r IN SELECT restore FROM bench_ddl ORDER BY restore_order LOOP EXECUTE r.restore; END LOOP; END $$`);
    await runner.query('INSERT INTO bench_seed (signature) VALUES ($1)', [signature]);
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  // Planner statistics and the visibility map (index-only scans) for the fresh rows.
  await dataSource.query('VACUUM (ANALYZE) score, evaluation, score_vector, evaluation_vector, study, dataset, source_model, metric');
  const counts = await countRows(dataSource);
  return { ...counts, seconds: (Date.now() - started) / 1000, seeded: true };
}

export async function countRows(dataSource: DataSource): Promise<{ scores: number; evaluations: number }> {
  const [counts]: { scores: number; evaluations: number }[] = await dataSource.query('SELECT (SELECT count(*) FROM score)::int AS scores, (SELECT count(*) FROM evaluation)::int AS evaluations');
  return counts!;
}

/** The benchmark database's URL on the server of `adminUrl`: one database per seed size, kept between runs. */
export function benchDatabaseUrl(adminUrl: string, size: SeedSize): string {
  const url = new URL(adminUrl);
  url.pathname = `/ts_bench_${size.studies}x${size.datasets}x${size.models}x${size.metrics}`;
  return url.toString();
}

/** Creates the benchmark database if it does not exist (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureBenchDatabase(adminUrl: string, size: SeedSize): Promise<string> {
  const url = benchDatabaseUrl(adminUrl, size);
  const name = new URL(url).pathname.slice(1);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query('CREATE DATABASE ' + client.escapeIdentifier(name)).catch((error: { code?: string }) => {
        // Another process created it in between.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
  return url;
}

/** The size from BENCH_STUDIES / BENCH_DATASETS / BENCH_MODELS / BENCH_METRICS, defaulting to the size. */
export function sizeFromEnv(env: NodeJS.ProcessEnv = process.env): SeedSize {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${env[name]}`);
    return value;
  };
  return { studies: read('BENCH_STUDIES', FULL_SIZE.studies), datasets: read('BENCH_DATASETS', FULL_SIZE.datasets), models: read('BENCH_MODELS', FULL_SIZE.models), metrics: read('BENCH_METRICS', FULL_SIZE.metrics) };
}

/**
 * `node apps/api/dist/bench/seed.js` (after `npx tsc -b apps/api/tsconfig.lib.json`): seeds (or finds) the
 * benchmark database on DATABASE_URL's server and prints its URL, the command and the time taken.
 */
async function main(): Promise<void> {
  const adminUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const size = sizeFromEnv();
  const url = await ensureBenchDatabase(adminUrl, size);
  const db = await openDatabase({ kind: 'postgres', url });
  try {
    const result = await seedSyntheticResults(db.dataSource, size);
    console.log(`command: node apps/api/dist/bench/seed.js (BENCH_STUDIES=${size.studies} BENCH_DATASETS=${size.datasets} BENCH_MODELS=${size.models} BENCH_METRICS=${size.metrics})`);
    console.log(
      `${result.seeded ? 'seeded' : 'already seeded'} ${new URL(url).pathname.slice(1)}: ${size.studies} studies x ${size.datasets} datasets x ${size.models} models x ${size.metrics} metrics = ` +
        `${result.scores} scores, ${result.evaluations} evaluations in ${result.seconds.toFixed(1)} s`,
    );
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
