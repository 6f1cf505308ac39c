import { type DataSource } from 'typeorm';
import { type BackendInfo } from '../backends/select-backend';
import { completedUnits } from './completed-units';
import { formatSeconds, type ProgressReporter } from './progress';
import { studyUnits, type ResolvedStudy } from './resolve-study';
import { recordStudy, type StudyRows } from './study-rows';
import { UnitQueue } from './unit-queue';
import { UnitRunner } from './unit-runner';
import { assertFinetunable } from '../training/finetune-network';
import { surviveDatabaseOutage } from './database-outage';
import { dependenciesOf, unitKey, type StudyUnit } from './units';

export interface RunStudyOptions {
  dataSource: DataSource;
  /** URL of the same database, for the job queue. */
  databaseUrl: string;
  study: ResolvedStudy;
  /** TRANSFERSCOPE_HOME: feature and model caches. */
  home: string;
  backend: BackendInfo;
  progress: ProgressReporter;
  /** Also process units in this process (default true). Other `transferscope worker`s may join either way. */
  work?: boolean;
}

export interface StudyRunSummary {
  study: string;
  studyId: number;
  units: number;
  ranHere: number;
  seconds: number;
}

/** A unit failed for good: which, and why. Nothing half-written: each unit's rows land in one transaction. */
export class StudyRunError extends Error {
  readonly code = 'STUDY_UNIT_FAILED';
  constructor(readonly failures: { key: string; error: string }[]) {
    super(`${failures.length} unit${failures.length > 1 ? 's' : ''} failed: ${failures.slice(0, 3).map((f) => `${f.key}: ${f.error}`).join('; ')}`);
    this.name = 'StudyRunError';
  }
}

/**
 * Runs a study to completion: features, then scores and Halton trials, then the evaluation of each best trial, each
 * unit queued once its inputs are recorded. This process works on the queue (unless `work: false`) beside any other
 * workers; the study ends when the results tables hold every unit's rows. Re-running resumes.
 */
export async function runStudy(options: RunStudyOptions): Promise<StudyRunSummary> {
  const { dataSource, study, progress } = options;
  // Nothing is recorded for a fine-tuning study that this backend or these models cannot train.
  if (study.definition.protocol === 'finetune') assertFinetunable(options.backend, study.models);
  const started = Date.now();
  const rows: StudyRows = await recordStudy(dataSource, study);
  const units = studyUnits(study);
  const total = units.length;
  progress.event('study-start', { study: study.definition.name, studyId: rows.studyId, units: total, models: study.models.length, backend: options.backend.name });

  const queue = await UnitQueue.open(options.databaseUrl, rows.studyId);
  let ranHere = 0;
  try {
    if (options.work !== false) {
      const runner = new UnitRunner(dataSource, study, rows, options.home, options.backend, progress);
      queue.work(
        async ({ unit }) => {
          await runner.run(unit);
          ranHere++;
        },
        dataSource,
        progress,
      );
    }
    await Promise.race([runUnits(units, queue, options, rows), queue.failure]);
  } finally {
    await queue.close();
  }
  const seconds = (Date.now() - started) / 1000;
  progress.event('study-done', { study: study.definition.name, units: total, ranHere, seconds: Math.round(seconds), took: formatSeconds(seconds) });
  return { study: study.definition.name, studyId: rows.studyId, units: total, ranHere, seconds };
}

/**
 * Enqueues each unit as soon as the units it depends on are recorded (a slow model's extraction does not hold back
 * the other models' trials), and waits until every unit's rows exist.
 */
async function runUnits(units: StudyUnit[], queue: UnitQueue, options: RunStudyOptions, rows: StudyRows): Promise<void> {
  const { dataSource, study, progress } = options;
  const keys = new Set(units.map(unitKey));
  const modelIds = study.models.map((m) => m.id);
  const enqueued = new Set<string>();
  const since = new Date();
  const task = progress.task('units', units.length);
  // One round: read what is recorded, enqueue what became runnable, take back abandoned units. True when all is done.
  const round = async (): Promise<boolean> => {
    const done = new Set([...(await completedUnits(dataSource, study, rows))].filter((key) => keys.has(key)));
    task.update(done.size);
    if (done.size === units.length) return true;
    const ready = units.filter((unit) => {
      const key = unitKey(unit);
      return !done.has(key) && !enqueued.has(key) && dependenciesOf(unit, study.definition.trials, modelIds).every((dependency) => done.has(dependency));
    });
    await queue.enqueue(study.definition.name, ready);
    ready.forEach((unit) => enqueued.add(unitKey(unit)));
    // A worker that died mid-unit leaves its job active; take it back and let the next round enqueue it again.
    for (const { key } of await queue.reclaimAbandoned()) {
      if (!keys.has(key)) continue;
      enqueued.delete(key);
      progress.event('unit-abandoned', { unit: key });
    }
    const failures = (await queue.failed(since)).filter((failure) => keys.has(failure.key));
    if (failures.length > 0) throw new StudyRunError(failures);
    return false;
  };
  // A database restart interrupts a round, not the study: the round is retried until the database is back.
  while (!(await surviveDatabaseOutage(round, progress))) await new Promise((resolve) => setTimeout(resolve, 1000));
  task.done();
}
