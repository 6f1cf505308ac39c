import PgBoss from 'pg-boss';
import { type DataSource, type QueryRunner } from 'typeorm';
import { surviveDatabaseOutage } from './database-outage';
import { type ProgressReporter } from './progress';
import { unitKey, type StudyUnit } from './units';

/** A timer that `wake()` ends early: `done` resolves after `ms` or at the wake, whichever comes first. */
function wakeableSleep(ms: number): { done: Promise<void>; wake: () => void } {
  let wake: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}

export interface QueuedUnit {
  study: string;
  unit: StudyUnit;
}

/**
 * Seconds a worker may hold a unit before pg-boss itself hands it to another worker. The backstop only: a worker that
 * dies is noticed within seconds through its lease (below).
 */
const UNIT_EXPIRY_SECONDS = 3600;

/** How often an idle worker asks the queue for a unit. */
const POLL_MILLISECONDS = 500;

/** How often a running unit checks that its lease connection is alive (and takes the lease again when it is not). */
const LEASE_CHECK_MILLISECONDS = 1000;

/** A unit held this long without a live lease is abandoned (covers the moment between fetching a job and leasing it). */
const LEASE_GRACE_SECONDS = 10;

/**
 * A job's lease: the worker running the job holds this session-level lock on its own
 * connection, which Postgres releases the moment that process dies (its socket closes), so "active job whose lock is
 * free" means "its worker is gone".
 */
const LEASE_TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(hashtextextended('transferscope-unit:' || $1, 0)) AS held";
const LEASE_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtextextended('transferscope-unit:' || $1, 0))";
const LEASE_UNLOCK_ALL_SQL = 'SELECT pg_advisory_unlock_all()';
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
      // schedule: false: no cron jobs are used, and pg-boss's timekeeper settles its own jobs without awaiting them
      // (an error there during a database restart would be an unhandled rejection, which ends a tfjs-wasm process).
      const boss = new PgBoss({ connectionString: databaseUrl, max: 3, application_name: 'transferscope-queue', schedule: false });
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
   * Starts processing units one at a time, until `close()`, each under a lease held on a dedicated connection of
   * `leases` (see LEASE_TRY_LOCK_SQL); a thrown error fails the job (retried up to twice).
   *
   * The loop is ours rather than pg-boss's `work()`: pg-boss settles a job with `complete()`/`fail()` calls it neither
   * awaits nor catches, so a unit that ends while the database restarts left a rejected promise nobody handled, and the
   * worker process died of it (exit code 7 under tfjs' wasm backend, whose handler rethrows) while the coordinator waited
   * for units nobody ran. Here every queue call is awaited: fetching retries while the database is away, and the
   * outcome of a unit is written once it is back (surviveDatabaseOutage), so no outcome is lost and the loop never dies
   * of an outage it outlives. `failure` rejects if the loop stops for any other reason.
   */
  work(handler: (job: QueuedUnit) => Promise<void>, leases: DataSource, progress: ProgressReporter): void {
    if (this.loop) throw new Error(`queue ${this.name} is already being worked on`);
    const lease = new UnitLease(leases);
    this.loop = this.runLoop(handler, lease, progress).finally(() => lease.release());
    // Observed here so that a failure is never an unhandled rejection; callers learn of it through `failure`.
    this.loop.catch(() => undefined);
  }

  /** Rejects with the error that stopped the work loop; never resolves. */
  get failure(): Promise<never> {
    return (this.loop ?? Promise.resolve()).then(() => new Promise<never>(() => undefined));
  }

  private async runLoop(handler: (job: QueuedUnit) => Promise<void>, lease: UnitLease, progress: ProgressReporter): Promise<void> {
    while (!this.closing) {
      // pg-boss' fetch returns no job when its query fails (an outage included): then wait and poll again.
      const [job] = await this.boss.fetch<QueuedUnit>(this.name, { batchSize: 1 });
      if (!job) {
        await this.pause(POLL_MILLISECONDS);
        continue;
      }
      let failure: unknown = null;
      try {
        await lease.during(job.id, () => handler(job.data));
      } catch (error) {
        failure = error ?? 'unit failed';
      }
      const outcome = failure === null ? null : typeof failure === 'object' ? (failure as object) : { message: String(failure) };
      await surviveDatabaseOutage(() => (outcome === null ? this.boss.complete(this.name, job.id) : this.boss.fail(this.name, job.id, outcome)), progress);
    }
  }

  /** Waits `ms`, or less when `close()` is called meanwhile. */
  private pause(ms: number): Promise<void> {
    const sleep = wakeableSleep(ms);
    this.wake = sleep.wake;
    return sleep.done;
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

  private loop: Promise<void> | null = null;
  private closing = false;
  private wake: () => void = () => undefined;

  /**
   * Stops taking units, waits for the unit in hand (one fetched just before counts) to finish and its outcome to be
   * written, then releases the lease connection and stops pg-boss. Only then may the caller destroy the DataSource the
   * leases come from.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.wake();
    await this.loop?.catch(() => undefined);
    await this.boss.stop({ graceful: true, close: true, timeout: 5000 });
  }
}

/** The lease a worker holds on the unit it runs: a session advisory lock on one dedicated connection. */
class UnitLease {
  private session: QueryRunner | null = null;

  constructor(private readonly dataSource: DataSource) {}

  private async connection(): Promise<QueryRunner> {
    if (this.session && !this.session.isReleased) return this.session;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    this.session = runner;
    return runner;
  }

  /**
   * Runs `work` holding the job's lease. When the lease cannot be taken, or its connection is lost (the database
   * restarted), the work goes on and the lease is taken again, on a new connection, within a second of the database
   * answering: a unit that outlives a restart is not taken back from its live worker, only one whose worker is gone.
   * The lock is only ever tried, never waited for, so nothing here can block the unit's end.
   */
  async during<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    let heldOn = await this.take(jobId);
    let running = true;
    let wake: () => void = () => undefined;
    const keeper = (async () => {
      while (running) {
        const sleep = wakeableSleep(LEASE_CHECK_MILLISECONDS);
        wake = sleep.wake;
        await sleep.done;
        if (running && (heldOn === null || heldOn.isReleased)) heldOn = await this.take(jobId);
      }
    })();
    try {
      return await work();
    } finally {
      running = false;
      wake();
      await keeper;
      if (heldOn && !heldOn.isReleased) await heldOn.query(LEASE_UNLOCK_SQL, [jobId]).catch(() => this.drop());
    }
  }

  /** The session holding the job's lock, or null when the database cannot be reached or the lock is held elsewhere. */
  private async take(jobId: string): Promise<QueryRunner | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const session = await this.connection();
        const [{ held }] = (await session.query(LEASE_TRY_LOCK_SQL, [jobId])) as { held: boolean }[];
        return held ? session : null;
      } catch {
        await this.drop();
      }
    }
    return null;
  }

  /**
   * Gives the session back to the pool without any lease on it: an idle pooled connection holding a job's lock would
   * keep that job looking alive to the coordinator whatever became of it. Called only between units, never while
   * `connection()` is connecting (TypeORM cannot release a query runner whose connect() is pending: the client leaks
   * and destroying the DataSource then spins).
   */
  private async drop(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session || session.isReleased) return;
    await session.query(LEASE_UNLOCK_ALL_SQL).catch(() => undefined);
    await session.release().catch(() => undefined);
  }

  /** Once the work loop has ended. */
  release(): Promise<void> {
    return this.drop();
  }
}
