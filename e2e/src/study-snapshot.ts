import { openDatabase } from '@transferscope/db';

/**
 * Every row a study wrote, by natural key and value, in a stable order: serial ids, timestamps, durations, cache
 * paths and provenance (which records timings and the home folder) are left out, so two runs of one study compare
 * equal exactly when they hold the same results.
 */
const SNAPSHOT_QUERIES: Record<string, string> = {
  feature_set: `SELECT f.model_id, d.name AS dataset, f.split, f.manifest_hash, f.preprocessing_hash, f.num_samples, f.feature_dim, f.source_classes
    FROM feature_set f JOIN dataset d ON d.id = f.dataset_id ORDER BY 1, 2, 3, 4, 5`,
  score: `SELECT s.name AS study, sc.metric_id, sc.model_id, d.name AS dataset, sc.split, sc.pool_id, sc.status, sc.value, sc.reason,
      f.model_id AS feature_model, f.split AS feature_split
    FROM score sc JOIN study s ON s.id = sc.study_id JOIN dataset d ON d.id = sc.dataset_id LEFT JOIN feature_set f ON f.id = sc.feature_set_id
    ORDER BY 1, 2, 3, 4, 5, 6`,
  trial: `SELECT s.name AS study, t.model_id, d.name AS dataset, t.protocol, t.halton_index, t.seed, t.hyper_parameters, t.status, t.best_epoch,
      t.val_loss, t.val_balanced_accuracy
    FROM trial t JOIN study s ON s.id = t.study_id JOIN dataset d ON d.id = t.dataset_id ORDER BY 1, 2, 3, 4, 5, 6`,
  trial_epoch: `SELECT t.model_id, d.name AS dataset, t.halton_index, t.seed, e.epoch, e.learning_rate, e.train_loss, e.val_loss,
      e.train_balanced_accuracy, e.val_balanced_accuracy
    FROM trial_epoch e JOIN trial t ON t.id = e.trial_id JOIN dataset d ON d.id = t.dataset_id ORDER BY 1, 2, 3, 4, 5`,
  evaluation: `SELECT s.name AS study, ev.model_id, d.name AS dataset, ev.split, ev.protocol, ev.measure, ev.value, ev.confusion_matrix,
      t.halton_index AS trial_halton_index
    FROM evaluation ev JOIN study s ON s.id = ev.study_id JOIN dataset d ON d.id = ev.dataset_id LEFT JOIN trial t ON t.id = ev.trial_id
    ORDER BY 1, 2, 3, 4, 5, 6`,
};

export type StudySnapshot = Record<string, Record<string, unknown>[]>;

export async function studySnapshot(url: string): Promise<StudySnapshot> {
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: false });
  try {
    const out: StudySnapshot = {};
    for (const [table, sql] of Object.entries(SNAPSHOT_QUERIES)) out[table] = (await db.dataSource.query(sql)) as Record<string, unknown>[];
    return out;
  } finally {
    await db.close();
  }
}

/**
 * Rows that point at nothing or were left half-done: references to missing rows (where no foreign key stops them),
 * trials not finished, and natural keys present twice. Each query returns the offending rows; all must be empty.
 */
const ORPHAN_QUERIES: Record<string, string> = {
  scoreWithoutFeatureSet: 'SELECT sc.id FROM score sc LEFT JOIN feature_set f ON f.id = sc.feature_set_id WHERE sc.feature_set_id IS NOT NULL AND f.id IS NULL',
  epochWithoutTrial: 'SELECT e.trial_id FROM trial_epoch e LEFT JOIN trial t ON t.id = e.trial_id WHERE t.id IS NULL',
  evaluationWithoutTrial: 'SELECT ev.id FROM evaluation ev LEFT JOIN trial t ON t.id = ev.trial_id WHERE ev.trial_id IS NOT NULL AND t.id IS NULL',
  unfinishedTrial: "SELECT t.id, t.status FROM trial t WHERE t.status <> 'done'",
  trialWithoutEpochs: 'SELECT t.id FROM trial t WHERE NOT EXISTS (SELECT 1 FROM trial_epoch e WHERE e.trial_id = t.id)',
  duplicateScore: 'SELECT study_id, metric_id, model_id, dataset_id, split, pool_id FROM score GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1',
};

export async function orphans(url: string): Promise<Record<string, unknown[]>> {
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: false });
  try {
    const out: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(ORPHAN_QUERIES)) out[name] = (await db.dataSource.query(sql)) as unknown[];
    return out;
  } finally {
    await db.close();
  }
}
