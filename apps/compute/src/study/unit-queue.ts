import PgBoss from 'pg-boss';
import { unitKey, type StudyUnit } from './units';

export interface QueuedUnit {
  study: string;
  unit: StudyUnit;
}

/** Seconds a worker may hold a unit before the queue hands it to another worker (a crashed worker's units come back). */
const UNIT_EXPIRY_SECONDS = 3600;

/**
 * The study's units as jobs in the shared Postgres, through pg-boss (maintained, SKIP LOCKED fetching, retries,
 * expiry of jobs held by dead workers, its own `pgboss` schema). One queue per study.
 */
export class UnitQueue {
  private constructor(
    private readonly boss: PgBoss,
    readonly name: string,
  ) {}

  /**
   * Connects to the study's queue, creating pg-boss's schema and the queue on first use. Workers starting together
   * race to create them (one gets a duplicate-key error), so a failed attempt stops its pg-boss instance (which would
   * otherwise keep the process alive) and tries again: by then the winner has created both.
   */
  static async open(databaseUrl: string, studyId: number, attempts = 3): Promise<UnitQueue> {
    const name = `study-${studyId}`;
    for (let attempt = 1; ; attempt++) {
      const boss = new PgBoss({ connectionString: databaseUrl, max: 3, application_name: 'transferscope-queue' });
      boss.on('error', () => undefined); // maintenance errors resurface as failed operations where they matter
      try {
        await boss.start();
        if (!(await boss.getQueue(name))) {
          await boss.createQueue(name, { name, retryLimit: 2, retryDelay: 5, expireInSeconds: UNIT_EXPIRY_SECONDS });
        }
        return new UnitQueue(boss, name);
      } catch (error) {
        await boss.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => undefined);
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  /** Enqueues units, each with its key as pg-boss singleton key (a re-queued unit is harmless: units are idempotent). */
  async enqueue(study: string, units: StudyUnit[]): Promise<void> {
    if (units.length === 0) return;
    await this.boss.insert(units.map((unit) => ({ name: this.name, data: { study, unit } satisfies QueuedUnit, singletonKey: unitKey(unit) })));
  }

  /** Processes units one at a time until `stop()`; a thrown error fails the job (retried up to twice). */
  async work(handler: (job: QueuedUnit) => Promise<void>): Promise<void> {
    await this.boss.work<QueuedUnit>(this.name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (job) await handler(job.data);
    });
  }

  /** Units that failed for good (retries exhausted) since `since`, with their last error. */
  async failed(since: Date): Promise<{ key: string; error: string }[]> {
    const db = this.boss.getDb();
    const { rows } = (await db.executeSql(`SELECT data, output FROM pgboss.job WHERE name = $1 AND state = 'failed' AND completed_on >= $2`, [this.name, since])) as { rows: { data: QueuedUnit; output: unknown }[] };
    return rows.map((row) => ({ key: unitKey(row.data.unit), error: JSON.stringify(row.output) }));
  }

  /** Jobs waiting or running. */
  async backlog(): Promise<number> {
    return this.boss.getQueueSize(this.name);
  }

  async close(): Promise<void> {
    await this.boss.offWork(this.name).catch(() => undefined);
    await this.boss.stop({ graceful: true, close: true, timeout: 5000 });
  }
}
