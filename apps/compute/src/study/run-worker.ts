import { type RunStudyOptions } from './run-study';
import { recordStudy } from './study-rows';
import { UnitQueue } from './unit-queue';
import { UnitRunner } from './unit-runner';
import { completedUnits } from './completed-units';
import { studyUnits } from './resolve-study';
import { unitKey } from './units';

export interface RunWorkerOptions extends Omit<RunStudyOptions, 'work'> {
  /** Stop after this long without a unit to run; null = until SIGINT/SIGTERM. */
  idleExitSeconds: number | null;
  /** Stop once every unit of the study is recorded (independent of when the coordinator enqueues them). */
  exitWhenDone?: boolean;
}

/** A worker: takes the study's units from the shared queue and runs them here, one at a time. */
export async function runWorker(options: RunWorkerOptions): Promise<number> {
  const rows = await recordStudy(options.dataSource, options.study);
  const queue = await UnitQueue.open(options.databaseUrl, rows.studyId);
  const runner = new UnitRunner(options.dataSource, options.study, rows, options.home, options.backend, options.progress);
  let ran = 0;
  let lastWork = Date.now();
  let busy = false;
  options.progress.event('worker-start', { study: options.study.definition.name, queue: queue.name, backend: options.backend.name });
  queue.work(
    async ({ unit }) => {
      busy = true;
      try {
        await runner.run(unit);
        ran++;
        options.progress.event('unit-done', { unit: unitKey(unit) });
      } finally {
        busy = false;
        lastWork = Date.now();
      }
    },
    options.dataSource,
    options.progress,
  );
  const timers: NodeJS.Timeout[] = [];
  const signals: (() => void)[] = [];
  try {
    const stopRequested = new Promise<void>((resolve) => {
      const stop = () => resolve();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, stop);
        signals.push(() => process.off(signal, stop));
      }
      if (options.exitWhenDone) {
        const keys = studyUnits(options.study).map(unitKey);
        timers.push(
          setInterval(() => {
            if (busy) return;
            // While the database is down (a restart) this check fails; the worker keeps waiting for it to come back.
            void completedUnits(options.dataSource, options.study, rows).then(
              (done) => {
                if (keys.every((key) => done.has(key))) resolve();
              },
              () => undefined,
            );
          }, 1000),
        );
      }
      if (options.idleExitSeconds !== null) {
        const limit = options.idleExitSeconds * 1000;
        timers.push(
          setInterval(() => {
            if (!busy && Date.now() - lastWork > limit) resolve();
          }, 500),
        );
      }
    });
    // The work loop only stops early for an error it cannot wait out (an outage past the limit): the worker fails.
    await Promise.race([stopRequested, queue.failure]);
  } finally {
    timers.forEach(clearInterval);
    signals.forEach((off) => off());
    // Waits for a unit in hand (fetched before the stop) to finish and be recorded in the queue.
    await queue.close();
  }
  options.progress.event('worker-stop', { ran });
  return ran;
}
