import { openDatabase } from '@transferscope/db';

/** Every results table (api_token is left out: each authenticated request stamps its last_used_at). */
export const RESULT_TABLES = ['study', 'dataset', 'source_model', 'metric', 'feature_set', 'score', 'trial', 'trial_epoch', 'evaluation'] as const;

/**
 * Row count and an order-independent md5 of every row's text form, per table: two equal fingerprints mean the tables
 * hold byte-for-byte the same rows (serial ids and timestamps included), so a rejected input changed nothing.
 */
export async function databaseFingerprint(url: string): Promise<Record<string, string>> {
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: false });
  try {
    const out: Record<string, string> = {};
    for (const table of RESULT_TABLES) {
      // Table names come from the fixed list above, escaped as identifiers.
      const [row] = (await db.dataSource.query(
        "SELECT count(*)::text AS n, coalesce(md5(string_agg(md5(t::text), ',' ORDER BY md5(t::text))), '') AS sum FROM " + db.dataSource.driver.escape(table) + ' t',
      )) as { n: string; sum: string }[];
      out[table] = `${row!.n}:${row!.sum}`;
    }
    return out;
  } finally {
    await db.close();
  }
}
