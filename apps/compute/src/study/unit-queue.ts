import PgBoss from 'pg-boss';
import { type DataSource, type QueryRunner } from 'typeorm';
import { unitKey, type StudyUnit } from './units';

export interface QueuedUnit {
  study: string;
  unit: StudyUnit;
}

/**
 * Seconds a worker may hold a unit before pg-boss itself hands it to another worker. The backstop only: a worker that
 * dies is noticed within seconds through its lease (below).
 */
const UNIT_EXPIRY_SECONDS = 3600;

/** A unit held this long without a live lease is abandoned (covers the moment between fetching a job and leasing it). */
const LEASE_GRACE_SECONDS = 10;

/**
 * A job's lease: the worker running the job holds this session-level lock on its own
 * connection, which Postgres releases the moment that process dies (its socket closes), so "active job whose lock is
 * free" means "its worker is gone".
 */
const LEASE_LOCK_SQL = "SELECT pg_advisory_lock(hashtextextended('transferscope-unit:' || $1, 0))";
const LEASE_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('transferscope-unit:' || $1, 0))";
/** Active jobs past the grace period whose lease lock is free (tried and at once released, in one statement). */
const ABANDONED_SQL = `SELECT id, data FROM pgboss.job
  WHERE name = $1 AND state = 'active' AND started_on < now() - make_interval(secs => $2)
    AND CASE WHEN pg_try_advisory_lock(hashtextextended('transferscope-unit:' || id::text, 0))
             THEN pg_advisory_unlock(hashtextextended('transferscope-unit:' || id::text, 0)) ELSE false END`;

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

  /**
   * Processes units one at a time until `close()`; a thrown error fails the job (retried up to twice). Each job runs
   * under a lease held on a dedicated connection of `leases` (see LEASE_LOCK_SQL).
   */
  async work(handler: (job: QueuedUnit) => Promise<void>, leases: DataSource): Promise<void> {
    const lease = new UnitLease(leases);
    this.onClose.push(() => lease.release());
    await this.boss.work<QueuedUnit>(this.name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (job) await lease.during(job.id, () => handler(job.data));
    });
  }

  /**
   * Units whose worker died while running them (active, past the grace period, lease free): cancelled here so they
   * leave the active state, and returned so the caller enqueues them again at once instead of waiting for expiry.
   */
  async reclaimAbandoned(): Promise<{ key: string; unit: StudyUnit }[]> {
    const db = this.boss.getDb();
    const { rows } = (await db.executeSql(ABANDONED_SQL, [this.name, LEASE_GRACE_SECONDS])) as { rows: { id: string; data: QueuedUnit }[] };
    for (const row of rows) await this.boss.cancel(this.name, row.id);
    return rows.map((row) => ({ key: unitKey(row.data.unit), unit: row.data.unit }));
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

  private readonly onClose: (() => Promise<void>)[] = [];

  async close(): Promise<void> {
    await this.boss.offWork(this.name).catch(() => undefined);
    for (const f of this.onClose) await f().catch(() => undefined);
    await this.boss.stop({ graceful: true, close: true, timeout: 5000 });
  }
}

/** The lease a worker holds on the unit it runs: a session advisory lock on one dedicated connection. */
class UnitLease {
  private session: QueryRunner | null = null;

  constructor(private readonly dataSource: DataSource) {}

  private async connection(): Promise<QueryRunner> {
    if (!this.session || this.session.isReleased) {
      this.session = this.dataSource.createQueryRunner();
      await this.session.connect();
    }
    return this.session;
  }

  /**
   * Runs `work` holding the job's lease. When the lease cannot be taken (the database restarted under the session),
   * the work still runs: at worst the unit is reclaimed and run twice, which idempotent units allow.
   */
  async during<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    const session = await this.acquire(jobId);
    try {
      return await work();
    } finally {
      await session?.query(LEASE_UNLOCK_SQL, [jobId]).catch(() => this.drop());
    }
  }

  private async acquire(jobId: string): Promise<QueryRunner | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const session = await this.connection();
        await session.query(LEASE_LOCK_SQL, [jobId]);
        return session;
      } catch {
        await this.drop();
      }
    }
    return null;
  }

  private async drop(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.release().catch(() => undefined);
  }

  release(): Promise<void> {
    return this.drop();
  }
}
