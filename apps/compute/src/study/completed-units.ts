import { type DataSource } from 'typeorm';
import { poolId } from '@transferscope/metrics';
import { poolRelativeMetricIds, type ResolvedStudy } from './resolve-study';
import { type StudyRows } from './study-rows';
import { unitKey } from './units';

/**
 * Keys of the units whose results are recorded, read from the results tables themselves (not from the queue), so
 * completion survives crashes, restarts and lost jobs: a unit is done exactly when its rows exist.
 */
export async function completedUnits(dataSource: DataSource, study: ResolvedStudy, rows: StudyRows): Promise<Set<string>> {
  const done = new Set<string>();
  const nameOf = new Map([...rows.datasetIds].map(([name, id]) => [id, name]));
  const idOf = (oodOrId: string) => study.pairs.find((p) => p.id.id === oodOrId || p.ood?.id === oodOrId)!.id.id;
  const modelIds = study.models.map((m) => m.id);

  const featureSets: { model_id: string; dataset_id: number; splits: string[] }[] = await dataSource.query(
    `SELECT model_id, dataset_id, array_agg(DISTINCT split) AS splits FROM feature_set
     WHERE model_id = ANY($1::text[]) AND dataset_id = ANY($2::int[]) GROUP BY model_id, dataset_id`,
    [modelIds, [...rows.datasetIds.values()]],
  );
  const splitsOf = new Map<string, Set<string>>();
  for (const row of featureSets) {
    const key = `${row.model_id}/${idOf(nameOf.get(row.dataset_id)!)}`;
    const set = splitsOf.get(key) ?? new Set<string>();
    row.splits.forEach((s) => set.add(s));
    splitsOf.set(key, set);
  }
  for (const model of study.models) {
    for (const pair of study.pairs) {
      const splits = splitsOf.get(`${model.id}/${pair.id.id}`);
      const needed = pair.ood ? ['train', 'val', 'test', 'ood'] : ['train', 'val', 'test'];
      if (splits && needed.every((s) => splits.has(s))) done.add(unitKey({ kind: 'extract', model: model.id, dataset: pair.id.id }));
    }
  }

  const scores: { model_id: string; dataset_id: number; split: 'train' | 'ood'; n: number }[] = await dataSource.query(
    `SELECT model_id, dataset_id, split, count(*)::int AS n FROM score WHERE study_id = $1 AND pool_id = '' GROUP BY model_id, dataset_id, split`,
    [rows.studyId],
  );
  for (const row of scores) {
    if (row.n >= study.metricIds.length) done.add(unitKey({ kind: 'score', model: row.model_id, dataset: idOf(nameOf.get(row.dataset_id)!), split: row.split }));
  }

  // Trials and evaluations count for the study's protocol only: switching protocol under one study name re-runs them.
  const trials: { model_id: string; dataset_id: number; halton_index: number }[] = await dataSource.query(
    `SELECT model_id, dataset_id, halton_index FROM trial WHERE study_id = $1 AND status = 'done' AND seed = $2 AND protocol = $3`,
    [rows.studyId, study.definition.seed, study.definition.protocol],
  );
  for (const row of trials) done.add(unitKey({ kind: 'trial', model: row.model_id, dataset: nameOf.get(row.dataset_id)!, haltonIndex: row.halton_index }));

  const evaluations: { model_id: string; dataset_id: number; n: number }[] = await dataSource.query(
    'SELECT model_id, dataset_id, count(*)::int AS n FROM evaluation WHERE study_id = $1 AND protocol = $2 GROUP BY model_id, dataset_id',
    [rows.studyId, study.definition.protocol],
  );
  const evaluated = new Map(evaluations.map((row) => [`${row.model_id}/${row.dataset_id}`, row.n]));
  for (const model of study.models) {
    for (const pair of study.pairs) {
      const idRows = evaluated.get(`${model.id}/${rows.datasetIds.get(pair.id.id)}`) ?? 0;
      const oodRows = pair.ood ? (evaluated.get(`${model.id}/${rows.datasetIds.get(pair.ood.id)}`) ?? 0) : 2;
      if (idRows >= 3 && oodRows >= 2) done.add(unitKey({ kind: 'evaluate', model: model.id, dataset: pair.id.id }));
    }
  }
  for (const key of await completedPools(dataSource, study, rows)) done.add(key);
  return done;
}

/**
 * A pool unit is done when, for every pool-relative metric, the pool of the models that have a `raw` result holds
 * its `ok`/`failed` rows (or no model has one). Before the scores exist this reads as done too; the pool unit only
 * matters once its score units are, and then the raw rows are there.
 */
async function completedPools(dataSource: DataSource, study: ResolvedStudy, rows: StudyRows): Promise<string[]> {
  const metricIds = poolRelativeMetricIds(study);
  if (metricIds.length === 0) return [];
  const found: { dataset_id: number; split: 'train' | 'ood'; metric_id: string; pool_id: string; models: string[] }[] = await dataSource.query(
    `SELECT dataset_id, split, metric_id, pool_id, array_agg(model_id ORDER BY model_id) AS models FROM score
     WHERE study_id = $1 AND metric_id = ANY($2::text[]) AND model_id = ANY($3::text[]) AND (status = 'raw' OR pool_id <> '')
     GROUP BY dataset_id, split, metric_id, pool_id`,
    [rows.studyId, metricIds, study.models.map((m) => m.id)],
  );
  const done: string[] = [];
  for (const pair of study.pairs) {
    const splits: ['train' | 'ood', number][] = [['train', rows.datasetIds.get(pair.id.id)!]];
    if (pair.ood) splits.push(['ood', rows.datasetIds.get(pair.ood.id)!]);
    for (const [split, datasetId] of splits) {
      const here = found.filter((row) => row.dataset_id === datasetId && row.split === split);
      const complete = metricIds.every((metricId) => {
        const raw = here.find((row) => row.metric_id === metricId && row.pool_id === '');
        if (!raw) return true;
        const pool = here.find((row) => row.metric_id === metricId && row.pool_id === poolId(raw.models));
        return pool !== undefined && pool.models.length === raw.models.length;
      });
      if (complete) done.push(unitKey({ kind: 'pool', dataset: pair.id.id, split }));
    }
  }
  return done;
}
