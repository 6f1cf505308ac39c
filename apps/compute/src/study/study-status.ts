import { type DataSource } from 'typeorm';
import { StudyDefinitionError } from './study-definition';

export interface StudyStatus {
  study: string;
  featureSets: number;
  scores: { ok: number; skipped: number; failed: number };
  trials: { done: number; total: number };
  epochs: number;
  evaluations: number;
}

/** What a study has recorded so far. */
export async function studyStatus(dataSource: DataSource, name: string): Promise<StudyStatus> {
  const [study] = await dataSource.query('SELECT id FROM study WHERE name = $1', [name]);
  if (!study) throw new StudyDefinitionError(`no study named "${name.slice(0, 128)}"`);
  const [row] = await dataSource.query(
    `SELECT
       (SELECT count(DISTINCT f.id)::int FROM feature_set f JOIN score s ON s.feature_set_id = f.id WHERE s.study_id = $1) AS feature_sets,
       (SELECT count(*)::int FROM score WHERE study_id = $1 AND status = 'ok') AS ok,
       (SELECT count(*)::int FROM score WHERE study_id = $1 AND status = 'skipped') AS skipped,
       (SELECT count(*)::int FROM score WHERE study_id = $1 AND status = 'failed') AS failed,
       (SELECT count(*)::int FROM trial WHERE study_id = $1 AND status = 'done') AS trials_done,
       (SELECT count(*)::int FROM trial WHERE study_id = $1) AS trials,
       (SELECT count(*)::int FROM trial_epoch e JOIN trial t ON t.id = e.trial_id WHERE t.study_id = $1) AS epochs,
       (SELECT count(*)::int FROM evaluation WHERE study_id = $1) AS evaluations`,
    [study.id],
  );
  return {
    study: name,
    featureSets: row.feature_sets,
    scores: { ok: row.ok, skipped: row.skipped, failed: row.failed },
    trials: { done: row.trials_done, total: row.trials },
    epochs: row.epochs,
    evaluations: row.evaluations,
  };
}
