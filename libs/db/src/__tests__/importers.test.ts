import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLongResults, importStudyResults, ImportError, type Database } from '../index';
import { freshDatabase, SHARED, fingerprintOf } from './test-database';

const RESULTS = join(SHARED, 'paper/results');
const PERFORMANCES = join(RESULTS, 'task_performances.csv');
const SCORES = join(RESULTS, 'transf_metrics_values.csv');

/** Data lines of a CSV file, split naively: the paper's files have no quoting. */
function dataRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
}

describe('importing the study\'s published results', () => {
  let fixture: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;
  const dir = mkdtempSync(join(tmpdir(), 'ts-import-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    fixture = await freshDatabase();
    db = fixture.db;
  });
  afterAll(async () => fixture.dispose());

  it('stores every score and both balanced accuracies per (task, model)', async () => {
    const summary = await importStudyResults(db.dataSource, 'paper', { performances: { path: PERFORMANCES }, scores: { path: SCORES } });
    const scoreRows = dataRows(SCORES);
    const perfRows = dataRows(PERFORMANCES);
    expect(summary.scores).toEqual({ inserted: scoreRows.length, updated: 0, unchanged: 0 });
    expect(summary.evaluations).toEqual({ inserted: 2 * perfRows.length, updated: 0, unchanged: 0 });
    expect(summary.metrics).toEqual([...new Set(scoreRows.map((r) => r[2]!.replace(/_score$/, '')))].sort());
    expect(summary.datasets).toEqual([...new Set(perfRows.map((r) => r[0]!))].sort());

    // One value checked end to end, against the file itself.
    const [task, model, metric, value] = scoreRows[7]!;
    const [stored] = await db.dataSource.query(
      `SELECT s.value FROM score s JOIN dataset d ON d.id = s.dataset_id JOIN study st ON st.id = s.study_id
       WHERE st.name = 'paper' AND d.name = $1 AND s.model_id = $2 AND s.metric_id = $3`,
      [task, model, metric!.replace(/_score$/, '')],
    );
    expect(stored.value).toBe(Number(value));
    const [test] = await db.dataSource.query(
      `SELECT e.value FROM evaluation e JOIN dataset d ON d.id = e.dataset_id
       WHERE d.name = $1 AND e.model_id = $2 AND e.measure = 'test_balanced_accuracy'`,
      [perfRows[0]![0], perfRows[0]![1]],
    );
    expect(test.value).toBe(Number(perfRows[0]![3]));
  });

  it('changes nothing when the same files are imported again', async () => {
    const before = await fingerprintOf(db);
    const summary = await importStudyResults(db.dataSource, 'paper', { performances: { path: PERFORMANCES }, scores: { path: SCORES } });
    expect(summary.scores.inserted + summary.scores.updated).toBe(0);
    expect(summary.evaluations.inserted + summary.evaluations.updated).toBe(0);
    expect(await fingerprintOf(db)).toEqual(before);
  });

  const header = 'task,model,metric,value\n';
  const badScoreFiles: [string, string, RegExp][] = [
    ['a missing column', 'task,model,value\nbreakhis,resnet50,0.5\n', /:1: missing column metric/],
    ['a non-numeric value', `${header}breakhis,resnet50,logme_score,0.5\nbreakhis,resnet18,logme_score,abc\n`, /:3: column value: "abc" is not a finite number/],
    ['a duplicated (task, model, metric)', `${header}breakhis,resnet50,logme_score,0.5\nbreakhis,resnet18,logme_score,0.4\nbreakhis,resnet50,logme_score,0.7\n`, /:4: duplicate \(task, model, metric\) \(breakhis, resnet50, logme\), first given at line 2/],
    ['an empty file', '', /: empty file/],
    ['a header without rows', header, /no data rows/],
    ['a ragged row', `${header}breakhis,resnet50,logme_score\n`, /:2: expected 4 fields as in the header, found 3/],
    ['an invalid name', `${header}breakhis,"res net';--",logme_score,0.5\n`, /:2: column model: .* is not a valid name/],
    ['an infinite value', `${header}breakhis,resnet50,logme_score,Infinity\n`, /:2: column value: "Infinity" is not a finite number/],
  ];
  for (const [what, text, message] of badScoreFiles) {
    it(`rejects a scores file with ${what}, writing nothing`, async () => {
      const before = await fingerprintOf(db);
      const path = write(`bad-${what.replace(/\W+/g, '-')}.csv`, text);
      const attempt = importStudyResults(db.dataSource, 'paper', { performances: { path: PERFORMANCES }, scores: { path } });
      await expect(attempt).rejects.toBeInstanceOf(ImportError);
      await expect(attempt).rejects.toThrow(message);
      expect(await fingerprintOf(db)).toEqual(before);
    });
  }

  it('rejects a balanced accuracy outside [0, 1] with its line', async () => {
    const before = await fingerprintOf(db);
    const path = write('perf-range.csv', 'task,model,val_acc_score,test_acc_score\nbreakhis,resnet50,0.9,1.5\n');
    await expect(importStudyResults(db.dataSource, 'fresh', { performances: { path }, scores: { path: SCORES } })).rejects.toThrow(
      /perf-range\.csv:2: column test_acc_score: 1\.5 is outside \[0, 1\]/,
    );
    expect(await fingerprintOf(db)).toEqual(before);
  });

  it('rejects a file that does not exist, naming it', async () => {
    const before = await fingerprintOf(db);
    const missing = join(dir, 'nope.csv');
    await expect(importStudyResults(db.dataSource, 'paper', { performances: { path: missing }, scores: { path: SCORES } })).rejects.toThrow(
      `${missing}: file does not exist`,
    );
    expect(await fingerprintOf(db)).toEqual(before);
  });

  it('rejects a file that is not UTF-8', async () => {
    const path = join(dir, 'latin1.csv');
    writeFileSync(path, Buffer.from([0x74, 0x61, 0x73, 0x6b, 0xe9, 0x0a]));
    await expect(importStudyResults(db.dataSource, 'paper', { performances: { path }, scores: { path: SCORES } })).rejects.toThrow(/latin1\.csv: is not valid UTF-8/);
  });

  it('keeps a value changed in a re-imported file, counting it as updated', async () => {
    const rows = readFileSync(SCORES, 'utf8').trim().split('\n');
    const [task, model, metric] = rows[1]!.split(',');
    rows[1] = `${task},${model},${metric},0.125`;
    const path = write('scores-changed.csv', rows.join('\n') + '\n');
    const summary = await importStudyResults(db.dataSource, 'paper', { performances: { path: PERFORMANCES }, scores: { path } });
    expect(summary.scores).toEqual({ inserted: 0, updated: 1, unchanged: rows.length - 2 });
  });

  describe('long format', () => {
    // The follow-up benchmark's layout, built here from the study's own files.
    const longText = () => {
      const test = new Map(dataRows(PERFORMANCES).map(([task, model, , t]) => [`${task}/${model}`, t]));
      const lines = dataRows(SCORES).map(([task, model, metric, value]) => `${task},${model},${test.get(`${task}/${model}`)},4,${metric},${value}`);
      return ['dataset,model,test_score,classes,transf_metric,transf_score', ...lines].join('\n') + '\n';
    };

    it('stores scores and one test_score per (dataset, model), idempotently', async () => {
      const path = write('long.csv', longText());
      const first = await importLongResults(db.dataSource, 'long-study', { path });
      expect(first.scores.inserted).toBe(dataRows(SCORES).length);
      expect(first.evaluations.inserted).toBe(dataRows(PERFORMANCES).length);
      const again = await importLongResults(db.dataSource, 'long-study', { path });
      expect(again.scores.inserted + again.scores.updated + again.evaluations.inserted + again.evaluations.updated).toBe(0);
      const [measure] = await db.dataSource.query(`SELECT DISTINCT measure FROM evaluation e JOIN study s ON s.id = e.study_id WHERE s.name = 'long-study'`);
      expect(measure.measure).toBe('test_score');
    });

    it('keeps the imagenet baseline metric under its own name', async () => {
      const path = write('long-imagenet.csv', 'dataset,model,test_score,classes,transf_metric,transf_score\nbreakhis,resnet50,0.8,2,imagenet,0.761\nbreakhis,resnet18,0.7,2,imagenet,0.697\n');
      const summary = await importLongResults(db.dataSource, 'long-imagenet', { path });
      expect(summary.metrics).toEqual(['imagenet']);
    });

    it('rejects a test_score that disagrees between rows of the same model', async () => {
      const before = await fingerprintOf(db);
      const path = write('long-conflict.csv', 'dataset,model,test_score,classes,transf_metric,transf_score\nbreakhis,resnet50,0.8,2,logme_score,1\nbreakhis,resnet50,0.7,2,leep_score,-1\n');
      await expect(importLongResults(db.dataSource, 'long-conflict', { path })).rejects.toThrow(/long-conflict\.csv:3: model resnet50 on breakhis has test_score = 0\.7, but 0\.8 at line 2/);
      expect(await fingerprintOf(db)).toEqual(before);
    });
  });
});
