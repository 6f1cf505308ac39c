import { createScratchDatabase, importLongResults, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../auth/api-token.service';
import { startApiServer, type RunningApiServer } from '../../../server/api-server';
import { plannedUnits, type StudyPlan } from '../unit-progress.service';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Two models; brain with an OOD partner, cifar without; one ordinary and one pool-relative metric; 2 trials. */
const PLAN: StudyPlan = {
  models: ['m1', 'm2'],
  pairs: [
    { dataset: 'brain', ood: 'brain-ood' },
    { dataset: 'cifar', ood: null },
  ],
  metrics: ['logme', 'etran'],
  poolRelativeMetrics: ['etran'],
  trials: 2,
  seed: 0,
};

interface Units {
  done: number;
  total: number;
  byKind: { kind: string; done: number; total: number }[];
}

describe('studyProgress.units: a computed study\'s units done / total, from the results tables', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let server: RunningApiServer;
  let token = '';
  let studyId = 0;
  const datasetId: Record<string, number> = {};

  async function units(study = 'run'): Promise<Units | null> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query ($s: String!) { studyProgress(study: $s) { units { done total byKind { kind done total } } } }', variables: { s: study } }),
    });
    const body = (await response.json()) as { data: { studyProgress: { units: Units | null } | null } };
    return body.data.studyProgress?.units ?? null;
  }
  const kinds = (u: Units | null) => Object.fromEntries(u!.byKind.map((k) => [k.kind, `${k.done}/${k.total}`]));

  const feature = (model: string, dataset: string, split: string) =>
    db.dataSource.query("INSERT INTO feature_set (model_id, dataset_id, split, manifest_hash, preprocessing_hash, num_samples, feature_dim) VALUES ($1, $2, $3, 'h', 'p', 4, 8)", [model, datasetId[dataset], split]);
  const score = (model: string, dataset: string, split: string, metric: string, status = 'ok', pool = '') =>
    db.dataSource.query('INSERT INTO score (study_id, metric_id, model_id, dataset_id, split, pool_id, status, value) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)', [studyId, metric, model, datasetId[dataset], split, pool, status]);
  const trial = (model: string, dataset: string, k: number, seed: number, status: string) =>
    db.dataSource.query("INSERT INTO trial (study_id, model_id, dataset_id, protocol, halton_index, seed, hyper_parameters, status) VALUES ($1, $2, $3, 'linear-probe', $4, $5, '{}', $6)", [studyId, model, datasetId[dataset], k, seed, status]);
  const evaluations = (model: string, dataset: string, measures: string[]) =>
    Promise.all(measures.map((measure) => db.dataSource.query("INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value) VALUES ($1, $2, $3, 'test', 'linear-probe', $4, 0.5)", [studyId, model, datasetId[dataset], measure])));

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    token = (await new ApiTokenService(db.dataSource).create('reader-1', 'reader')).token;
    await importLongResults(db.dataSource, 'imported', { name: 'l.csv', text: 'dataset,model,test_score,classes,transf_metric,transf_score\ncifar,m1,0.9,10,logme,1\n' });
    for (const [name, role] of [['brain', 'ID'], ['brain-ood', 'OOD'], ['cifar', 'ID']]) {
      const [row] = await db.dataSource.query("INSERT INTO dataset (name, role) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role RETURNING id", [name, role]);
      datasetId[name!] = row.id;
    }
    await db.dataSource.query("INSERT INTO source_model (id) VALUES ('m1'), ('m2') ON CONFLICT DO NOTHING");
    await db.dataSource.query("INSERT INTO metric (id, pool_relative) VALUES ('logme', false), ('etran', true) ON CONFLICT (id) DO UPDATE SET pool_relative = EXCLUDED.pool_relative");
    const [study] = await db.dataSource.query("INSERT INTO study (name, origin, definition) VALUES ('run', 'computed', $1) RETURNING id", [JSON.stringify({ name: 'run', models: 'all', plan: PLAN })]);
    studyId = study.id;
    await db.dataSource.query("INSERT INTO study (name, origin, definition) VALUES ('old', 'computed', $1)", [JSON.stringify({ name: 'old', models: 'all' })]);
    server = await startApiServer({ dataSource: db.dataSource, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
    await scratch?.drop();
  });

  it('plans the units the coordinator plans: per model and pair, features, scores per split, trials, evaluation; pools per split', () => {
    const planned = plannedUnits(PLAN);
    // brain: 1 + 2 + 2 + 1, cifar: 1 + 1 + 2 + 1, for each of 2 models; pools: brain train and ood, cifar train.
    expect(Object.fromEntries(Object.entries(planned).map(([kind, keys]) => [kind, keys.length]))).toEqual({ extract: 4, score: 6, trial: 8, evaluate: 4, pool: 3 });
    expect(plannedUnits({ ...PLAN, poolRelativeMetrics: [] }).pool).toEqual([]);
  });

  it('starts at 0 of 25, and is null for imported studies, studies without a stored plan and unknown ones', async () => {
    expect(await units()).toEqual({ done: 0, total: 25, byKind: [{ kind: 'extract', done: 0, total: 4 }, { kind: 'score', done: 0, total: 6 }, { kind: 'trial', done: 0, total: 8 }, { kind: 'evaluate', done: 0, total: 4 }, { kind: 'pool', done: 0, total: 3 }] });
    expect(await units('imported')).toBeNull();
    expect(await units('old')).toBeNull();
    expect(await units('nope')).toBeNull();
  });

  it('counts a unit only when all of its rows are recorded', async () => {
    // Features: m1/brain has every split (the OOD split on the OOD dataset); m1/cifar lacks test.
    for (const split of ['train', 'val', 'test']) await feature('m1', 'brain', split);
    await feature('m1', 'brain-ood', 'ood');
    await feature('m1', 'cifar', 'train');
    await feature('m1', 'cifar', 'val');
    // Scores: m1 brain train has both metrics (etran as a raw row); m1 on the OOD split only one of two.
    await score('m1', 'brain', 'train', 'logme');
    await score('m1', 'brain', 'train', 'etran', 'raw');
    await score('m1', 'brain-ood', 'ood', 'logme');
    // Trials: only a done trial with the study's seed counts.
    await trial('m1', 'brain', 0, 0, 'done');
    await trial('m1', 'brain', 1, 7, 'done');
    await trial('m2', 'brain', 0, 0, 'running');
    // Evaluations: m1/brain needs 3 on brain and 2 on brain-ood; m2/cifar (no OOD) needs 3.
    await evaluations('m1', 'brain', ['a', 'b', 'c']);
    await evaluations('m1', 'brain-ood', ['a']);
    await evaluations('m2', 'cifar', ['a', 'b', 'c']);
    expect(kinds(await units())).toEqual({ extract: '1/4', score: '1/6', trial: '1/8', evaluate: '1/4', pool: '0/3' });
    await evaluations('m1', 'brain-ood', ['b']);
    await feature('m1', 'cifar', 'test');
    expect(kinds(await units())).toEqual({ extract: '2/4', score: '1/6', trial: '1/8', evaluate: '2/4', pool: '0/3' });
  });

  it('counts a pool once every model is scored on the split and the pool holds exactly the models with raw rows', async () => {
    await score('m2', 'brain', 'train', 'logme');
    await score('m2', 'brain', 'train', 'etran', 'raw');
    // A pool of m1 alone does not cover m2's raw row.
    await score('m1', 'brain', 'train', 'etran', 'ok', 'pool-m1');
    expect(kinds(await units()).pool).toBe('0/3');
    await score('m1', 'brain', 'train', 'etran', 'ok', 'pool-m1m2');
    await score('m2', 'brain', 'train', 'etran', 'ok', 'pool-m1m2');
    const after = await units();
    expect(kinds(after)).toMatchObject({ score: '2/6', pool: '1/3' });
    expect(after!.done).toBe(after!.byKind.reduce((sum, k) => sum + k.done, 0));
  });
});
