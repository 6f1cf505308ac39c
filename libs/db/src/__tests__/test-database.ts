import { createScratchDatabase, openDatabase, tableFingerprint, type Database, type ScratchDatabase } from '../index';

/** The Postgres the tests run against: CI's and every developer's local server unless DATABASE_URL says otherwise. */
export const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export const SHARED = process.env['TRANSFERSCOPE_SHARED']!;

/** A migrated results database in a fresh scratch database; `dispose` closes and drops it. */
export async function freshDatabase(): Promise<{ db: Database; scratch: ScratchDatabase; dispose(): Promise<void> }> {
  const scratch = await createScratchDatabase(ADMIN_URL);
  const db = await openDatabase({ kind: 'postgres', url: scratch.url });
  return {
    db,
    scratch,
    async dispose() {
      await db.close();
      await scratch.drop();
    },
  };
}

/** Row counts and an order-independent checksum of every results table: equal before and after = nothing changed. */
export function fingerprintOf(db: Database): Promise<Record<string, string>> {
  return tableFingerprint(db.dataSource);
}
