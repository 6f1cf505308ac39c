import { type DataSource } from 'typeorm';
import { type UnitKindProgressType, type UnitProgressType } from './unit-progress.type';

/**
 * What a computed study planned, as the compute coordinator records it in `study.definition.plan` (model and metric
 * ids with "all" expanded, each ID dataset with its OOD partner).
 */
export interface StudyPlan {
  models: string[];
  pairs: { dataset: string; ood: string | null }[];
  metrics: string[];
  poolRelativeMetrics: string[];
  trials: number;
  seed: number;
}

const KINDS = ['extract', 'score', 'trial', 'evaluate', 'pool'] as const;
type UnitKind = (typeof KINDS)[number];

/**
 * Counts a computed study's units from the results tables alone, by the completion rules of the compute
 * coordinator (apps/compute `completedUnits`), which this API must not import:
 * - extract (model, pair): feature sets of the splits train, val, test (and ood where the pair has an OOD dataset);
 * - score (model, pair, train | ood): at least one non-pool row per planned metric;
 * - trial (model, ID dataset, Halton index k < trials): a `done` trial with the study's seed;
 * - evaluate (model, pair): at least 3 evaluations on the ID dataset (and 2 on the OOD one);
 * - pool (pair, train | ood), only with pool-relative metrics: every model's score unit of that split is done, and
 *   for each such metric with `raw` rows, a pool holds exactly the models with raw rows.
 * At most seven statements, each grouped in SQL, so polling a large study stays cheap.
 */
export class UnitProgressService {
  constructor(private readonly dataSource: DataSource) {}

  async units(studyName: string): Promise<UnitProgressType | null> {
    const [study] = (await this.dataSource.query("SELECT id, definition -> 'plan' AS plan FROM study WHERE name = $1 AND origin = 'computed'", [studyName])) as { id: number; plan: unknown }[];
    const plan = study ? asPlan(study.plan) : null;
    if (!study || !plan) return null;
    const datasetNames = plan.pairs.flatMap((p) => (p.ood ? [p.dataset, p.ood] : [p.dataset]));
    const datasetRows = (await this.dataSource.query('SELECT id, name FROM dataset WHERE name = ANY($1::text[])', [datasetNames])) as { id: number; name: string }[];
    const idOf = new Map(datasetRows.map((row) => [row.name, row.id]));
    const nameOf = new Map(datasetRows.map((row) => [row.id, row.name]));
    // Each dataset id -> the ID dataset of its pair (the OOD dataset's results count toward its pair's units).
    const pairOf = new Map<number, string>();
    for (const pair of plan.pairs) {
      if (idOf.has(pair.dataset)) pairOf.set(idOf.get(pair.dataset)!, pair.dataset);
      if (pair.ood && idOf.has(pair.ood)) pairOf.set(idOf.get(pair.ood)!, pair.dataset);
    }
    const datasetIds = [...pairOf.keys()];

    const done: Record<UnitKind, Set<string>> = { extract: new Set(), score: new Set(), trial: new Set(), evaluate: new Set(), pool: new Set() };

    const featureSets = (await this.dataSource.query(
      'SELECT model_id, dataset_id, array_agg(DISTINCT split) AS splits FROM feature_set WHERE model_id = ANY($1::text[]) AND dataset_id = ANY($2::int[]) GROUP BY model_id, dataset_id',
      [plan.models, datasetIds],
    )) as { model_id: string; dataset_id: number; splits: string[] }[];
    const splitsOf = new Map<string, Set<string>>();
    for (const row of featureSets) {
      const key = `${row.model_id}/${pairOf.get(row.dataset_id)}`;
      const splits = splitsOf.get(key) ?? new Set<string>();
      row.splits.forEach((split) => splits.add(split));
      splitsOf.set(key, splits);
    }
    for (const model of plan.models) {
      for (const pair of plan.pairs) {
        const splits = splitsOf.get(`${model}/${pair.dataset}`);
        const needed = pair.ood ? ['train', 'val', 'test', 'ood'] : ['train', 'val', 'test'];
        if (splits && needed.every((split) => splits.has(split))) done.extract.add(`${model}/${pair.dataset}`);
      }
    }

    const scores = (await this.dataSource.query(
      "SELECT model_id, dataset_id, split, count(*)::int AS n FROM score WHERE study_id = $1 AND pool_id = '' GROUP BY model_id, dataset_id, split",
      [study.id],
    )) as { model_id: string; dataset_id: number; split: string; n: number }[];
    for (const row of scores) {
      if (row.n >= plan.metrics.length && pairOf.has(row.dataset_id)) done.score.add(`${row.model_id}/${pairOf.get(row.dataset_id)}/${row.split}`);
    }

    const trials = (await this.dataSource.query("SELECT DISTINCT model_id, dataset_id, halton_index FROM trial WHERE study_id = $1 AND status = 'done' AND seed = $2", [study.id, plan.seed])) as {
      model_id: string;
      dataset_id: number;
      halton_index: number;
    }[];
    for (const row of trials) done.trial.add(`${row.model_id}/${nameOf.get(row.dataset_id)}/${row.halton_index}`);

    const evaluations = (await this.dataSource.query('SELECT model_id, dataset_id, count(*)::int AS n FROM evaluation WHERE study_id = $1 GROUP BY model_id, dataset_id', [study.id])) as {
      model_id: string;
      dataset_id: number;
      n: number;
    }[];
    const evaluated = new Map(evaluations.map((row) => [`${row.model_id}/${row.dataset_id}`, row.n]));
    for (const model of plan.models) {
      for (const pair of plan.pairs) {
        const idRows = evaluated.get(`${model}/${idOf.get(pair.dataset)}`) ?? 0;
        const oodRows = pair.ood ? (evaluated.get(`${model}/${idOf.get(pair.ood)}`) ?? 0) : 2;
        if (idRows >= 3 && oodRows >= 2) done.evaluate.add(`${model}/${pair.dataset}`);
      }
    }

    if (plan.poolRelativeMetrics.length > 0) {
      const groups = (await this.dataSource.query(
        `SELECT dataset_id, split, metric_id, pool_id, array_agg(model_id ORDER BY model_id) AS models FROM score
         WHERE study_id = $1 AND metric_id = ANY($2::text[]) AND model_id = ANY($3::text[]) AND (status = 'raw' OR pool_id <> '')
         GROUP BY dataset_id, split, metric_id, pool_id`,
        [study.id, plan.poolRelativeMetrics, plan.models],
      )) as { dataset_id: number; split: string; metric_id: string; pool_id: string; models: string[] }[];
      for (const pair of plan.pairs) {
        const splits: [string, string][] = [['train', pair.dataset]];
        if (pair.ood) splits.push(['ood', pair.ood]);
        for (const [split, dataset] of splits) {
          const here = groups.filter((g) => g.dataset_id === idOf.get(dataset) && g.split === split);
          const complete = plan.poolRelativeMetrics.every((metric) => {
            const raw = here.find((g) => g.metric_id === metric && g.pool_id === '');
            if (!raw) return true;
            // The pool's id is a hash of its sorted members: the same members mean the pool of these raw rows.
            return here.some((g) => g.metric_id === metric && g.pool_id !== '' && g.models.join('\n') === raw.models.join('\n'));
          });
          // The coordinator reads a pool with no raw rows as done (it only matters once the scores exist); progress
          // counts it once every model's score unit of the split is recorded too, so a new study does not start above 0.
          const scored = plan.models.every((model) => done.score.has(`${model}/${pair.dataset}/${split}`));
          if (complete && scored) done.pool.add(`${pair.dataset}/${split}`);
        }
      }
    }

    const planned = plannedUnits(plan);
    const byKind: UnitKindProgressType[] = KINDS.map((kind) => ({ kind, total: planned[kind].length, done: planned[kind].filter((key) => done[kind].has(key)).length }));
    return { done: byKind.reduce((sum, k) => sum + k.done, 0), total: byKind.reduce((sum, k) => sum + k.total, 0), byKind };
  }
}

/** Keys of every planned unit by kind, as the coordinator plans them (compute's `planUnits`). */
export function plannedUnits(plan: StudyPlan): Record<UnitKind, string[]> {
  const units: Record<UnitKind, string[]> = { extract: [], score: [], trial: [], evaluate: [], pool: [] };
  for (const model of plan.models) {
    for (const { dataset, ood } of plan.pairs) {
      units.extract.push(`${model}/${dataset}`);
      units.score.push(`${model}/${dataset}/train`);
      if (ood) units.score.push(`${model}/${dataset}/ood`);
      for (let k = 0; k < plan.trials; k++) units.trial.push(`${model}/${dataset}/${k}`);
      units.evaluate.push(`${model}/${dataset}`);
    }
  }
  if (plan.poolRelativeMetrics.length > 0) {
    for (const { dataset, ood } of plan.pairs) {
      units.pool.push(`${dataset}/train`);
      if (ood) units.pool.push(`${dataset}/ood`);
    }
  }
  return units;
}

/** The stored plan, or null when the study predates plans or the JSON is not one. */
function asPlan(value: unknown): StudyPlan | null {
  if (typeof value !== 'object' || value === null) return null;
  const plan = value as Partial<StudyPlan>;
  const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
  const pairsOk = Array.isArray(plan.pairs) && plan.pairs.every((p) => typeof p?.dataset === 'string' && (p.ood === null || typeof p.ood === 'string'));
  if (!strings(plan.models) || !strings(plan.metrics) || !strings(plan.poolRelativeMetrics) || !pairsOk) return null;
  if (!Number.isInteger(plan.trials) || !Number.isInteger(plan.seed)) return null;
  return plan as StudyPlan;
}
