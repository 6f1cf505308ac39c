import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource, createScratchDatabase, migrate, revertLastMigration, type ScratchDatabase } from '../index';
import { MIGRATIONS } from '../migrations';
import { ADMIN_URL } from './test-database';

const ALL = MIGRATIONS.map((migration) => new migration().name);

describe('migrations on real Postgres', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
  });
  afterAll(async () => scratch.drop());

  const tablesOf = async (url: string): Promise<string[]> => {
    const ds = createDataSource(url);
    await ds.initialize();
    const rows: { tablename: string }[] = await ds.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    await ds.destroy();
    return rows.map((row) => row.tablename);
  };

  it('apply to an empty database and leave nothing for the entities to change', async () => {
    const ds = createDataSource(scratch.url);
    await ds.initialize();
    expect(await migrate(ds)).toEqual(ALL);
    // The schema the migrations built must be exactly what the entities describe.
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    expect(await migrate(ds)).toEqual([]);
    await ds.destroy();
    expect(await tablesOf(scratch.url)).toEqual(
      ['api_token', 'change_version', 'dataset', 'evaluation', 'evaluation_vector', 'feature_set', 'metric', 'schema_migration', 'score', 'score_vector', 'source_model', 'study', 'trial', 'trial_epoch'],
    );
  });

  it('revert one by one to an empty schema and apply again', async () => {
    const ds = createDataSource(scratch.url);
    await ds.initialize();
    for (let i = 0; i < MIGRATIONS.length; i++) await revertLastMigration(ds);
    await ds.destroy();
    expect(await tablesOf(scratch.url)).toEqual(['schema_migration']);

    const again = createDataSource(scratch.url);
    await again.initialize();
    expect(await migrate(again)).toEqual(ALL);
    await again.destroy();
  });

  it('run once when several processes migrate the same database at once', async () => {
    const other = await createScratchDatabase(ADMIN_URL);
    const sources = [createDataSource(other.url), createDataSource(other.url), createDataSource(other.url)];
    await Promise.all(sources.map((ds) => ds.initialize()));
    const applied = await Promise.all(sources.map((ds) => migrate(ds)));
    expect(applied.flat()).toEqual(ALL);
    await Promise.all(sources.map((ds) => ds.destroy()));
    await other.drop();
  });
});
