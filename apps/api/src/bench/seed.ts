import { type DataSource } from 'typeorm';

export interface SeedSize {
  studies: number;
  datasets: number;
  models: number;
  metrics: number;
}

/**
 * A synthetic results database for the benchmark: every study scores every model on every dataset with every
 * metric (studies x datasets x models x metrics scores) and evaluates it once (studies x datasets x models
 * evaluations). Values are pseudo-random from a fixed Postgres seed, so two runs seed the same numbers.
 */
export async function seedSyntheticResults(dataSource: DataSource, size: SeedSize): Promise<{ scores: number; evaluations: number; seconds: number }> {
  const started = Date.now();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
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
       SELECT st.id, m.id, d.id, 'test', 'finetune', 'test_balanced_accuracy', 0.5 + 0.45 * random() FROM study st, source_model m, dataset d`,
    );
    // Scores loosely follow the performance (so the coefficients are not all near 0), plus noise.
    await runner.query(
      `INSERT INTO score (study_id, metric_id, model_id, dataset_id, value)
       SELECT e.study_id, me.id, e.model_id, e.dataset_id, e.value + 0.3 * random() FROM evaluation e, metric me`,
    );
    await runner.commitTransaction();
    await runner.query('ANALYZE');
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
  const [counts]: { scores: number; evaluations: number }[] = await dataSource.query('SELECT (SELECT count(*) FROM score)::int AS scores, (SELECT count(*) FROM evaluation)::int AS evaluations');
  return { ...counts!, seconds: (Date.now() - started) / 1000 };
}
