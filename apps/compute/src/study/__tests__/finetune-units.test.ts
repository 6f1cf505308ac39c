import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@transferscope/db';
import { selectBackend, type BackendInfo } from '../../backends/select-backend';
import { ZOO } from '../../models/__tests__/verify-images';
import { haltonTrial } from '../../training/halton-grid';
import { type ProgressReporter } from '../progress';
import { resolveStudy, type ResolvedStudy } from '../resolve-study';
import { validateStudyDefinition } from '../study-definition';
import { recordStudy, type StudyRows } from '../study-rows';
import { UnitRunner } from '../unit-runner';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const MODEL = 'doodlenet-quickdraw345';
const DATASET = 'brain_tumor_kaggle';

const silent: ProgressReporter = { event: () => undefined, task: () => ({ update: () => undefined, done: () => undefined }) };

let home: string;
let db: Database;
let backend: BackendInfo;
let study: ResolvedStudy;
let rows: StudyRows;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-finetune-'));
  // The embedded cluster runs as the postgres user, which must traverse the folder.
  await chmod(home, 0o711);
  backend = await selectBackend('cpu', { log: () => undefined });
  db = await openDatabase({ kind: 'embedded', home });
  // The smallest zoo layers model on one real MRI image per class and split: 1 step of 4 images per epoch.
  const definition = validateStudyDefinition(
    {
      name: 'finetune-units',
      datasets: [{ id: DATASET, ood: 'brain_mri_ood' }],
      models: [MODEL],
      metrics: ['hscore'],
      protocol: 'finetune',
      trials: 2,
      epochs: 2,
      batchSize: 4,
      seed: 0,
      backend: 'cpu',
      limits: { train: { perClass: 1 }, val: { perClass: 1 }, test: { perClass: 1 }, ood: { perClass: 1 } },
    },
    join(home, 'finetune-units.json'),
  );
  study = await resolveStudy(definition, { dataRoot: join(SHARED, 'zoo/datasets'), zoo: ZOO, paperData: null });
  rows = await recordStudy(db.dataSource, study);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await rm(home, { recursive: true, force: true });
});

describe('protocol finetune in the unit runner', () => {
  it('runs Halton trials on images and evaluates the best one, recorded under protocol "finetune"; re-running adds nothing', async () => {
    const runner = new UnitRunner(db.dataSource, study, rows, home, backend, silent);
    for (const haltonIndex of [0, 1]) await runner.run({ kind: 'trial', model: MODEL, dataset: DATASET, haltonIndex });
    await runner.run({ kind: 'evaluate', model: MODEL, dataset: DATASET });

    const trials: { id: number; protocol: string; halton_index: number; status: string; best_epoch: number; hyper_parameters: Record<string, number | string> }[] = await db.dataSource.query(
      'SELECT id, protocol, halton_index, status, best_epoch, hyper_parameters FROM trial WHERE study_id = $1 ORDER BY halton_index',
      [rows.studyId],
    );
    expect(trials.map((t) => [t.protocol, t.halton_index, t.status])).toEqual([
      ['finetune', 0, 'done'],
      ['finetune', 1, 'done'],
    ]);
    trials.forEach((t) => {
      const { learningRate, weightDecay } = haltonTrial(t.halton_index);
      expect(t.hyper_parameters).toMatchObject({ learningRate, weightDecay, momentum: 0.9, nesterov: true, epochs: 2, backend: 'cpu', steps: 2, augmentation: 'study' });
      expect([1, 2]).toContain(t.best_epoch);
    });
    const [{ epochs }] = await db.dataSource.query('SELECT count(*)::int AS epochs FROM trial_epoch WHERE trial_id = ANY($1::int[])', [trials.map((t) => t.id)]);
    expect(epochs).toBe(4);

    const evaluations: { protocol: string; split: string; measure: string; value: number }[] = await db.dataSource.query(
      'SELECT protocol, split, measure, value FROM evaluation WHERE study_id = $1 ORDER BY split, measure',
      [rows.studyId],
    );
    expect(evaluations.map((e) => [e.protocol, e.split, e.measure])).toEqual([
      ['finetune', 'ood', 'test_accuracy'],
      ['finetune', 'ood', 'test_balanced_accuracy'],
      ['finetune', 'test', 'test_accuracy'],
      ['finetune', 'test', 'test_balanced_accuracy'],
      ['finetune', 'val', 'val_balanced_accuracy'],
    ]);
    evaluations.forEach((e) => expect(e.value).toBeGreaterThanOrEqual(0));
    // On cpu the evaluation's retraining repeats the best trial exactly.
    const [best] = await db.dataSource.query('SELECT val_balanced_accuracy FROM trial WHERE study_id = $1 ORDER BY val_balanced_accuracy DESC, val_loss ASC, halton_index ASC LIMIT 1', [rows.studyId]);
    expect(evaluations.find((e) => e.measure === 'val_balanced_accuracy')!.value).toBe(best.val_balanced_accuracy);

    // Units are idempotent: running them again records nothing new.
    await runner.run({ kind: 'trial', model: MODEL, dataset: DATASET, haltonIndex: 0 });
    await runner.run({ kind: 'evaluate', model: MODEL, dataset: DATASET });
    const [{ n }] = await db.dataSource.query('SELECT (SELECT count(*) FROM trial) + (SELECT count(*) FROM evaluation) AS n');
    expect(Number(n)).toBe(2 + 5);
  }, 300_000);

  it('refuses a backend without CNN gradient kernels before any unit runs', () => {
    expect(() => new UnitRunner(db.dataSource, study, rows, home, { ...backend, name: 'wasm', canTrainCnn: false }, silent)).toThrow(/"wasm" tfjs backend cannot/);
  });
});
