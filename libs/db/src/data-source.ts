import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { startEmbeddedCluster } from './embedded-postgres';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Where the results live: a team's Postgres (`DATABASE_URL`), or the embedded one under TRANSFERSCOPE_HOME. */
export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'embedded'; home: string };

export interface Database {
  readonly dataSource: DataSource;
  readonly target: DatabaseTarget;
  /** Connection URL (for other clients of the same database, e.g. the job queue); it may hold a password: never log it. */
  readonly url: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations on open (default true). Never `synchronize`: the schema is owned by migrations. */
  migrate?: boolean;
  logging?: boolean;
  /** Connection pool size (default 10). */
  poolSize?: number;
}

/** Arbitrary but fixed: every process that migrates the same database takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 724_581_903;

/**
 * Opens the results database and brings its schema up to date. Concurrent processes (several workers starting
 * at once) serialise their migrations on a Postgres advisory lock, so each migration runs exactly once.
 */
export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<Database> {
  const cluster = target.kind === 'embedded' ? await startEmbeddedCluster(target.home) : null;
  const url = target.kind === 'postgres' ? target.url : cluster!.url;
  const dataSource = createDataSource(url, options);
  try {
    await dataSource.initialize();
    if (options.migrate !== false) await migrate(dataSource);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await cluster?.release();
    throw error;
  }
  return {
    dataSource,
    target,
    url,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await cluster?.release();
    },
  };
}

/** A DataSource over our entities and migrations; `openDatabase` is the usual entry point. */
export function createDataSource(url: string, options: OpenDatabaseOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? 10,
  });
}

/** Applies pending migrations in one transaction, under the migration advisory lock. Returns their names. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Reverts the most recent migration (used by `transferscope db revert` and the reversibility test). */
export async function revertLastMigration(dataSource: DataSource): Promise<void> {
  await dataSource.undoLastMigration({ transaction: 'all' });
}
