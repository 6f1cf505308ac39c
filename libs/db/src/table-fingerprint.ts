import { type DataSource } from 'typeorm';

/** Every results table (api_token is left out: each authenticated request stamps its last_used_at). */
export const RESULT_TABLES = ['study', 'dataset', 'source_model', 'metric', 'feature_set', 'score', 'trial', 'trial_epoch', 'evaluation'] as const;

export type ResultTable = (typeof RESULT_TABLES)[number];

/**
 * Row count and an order-independent md5 of every row's text form, per table: equal fingerprints mean the tables
 * hold the same rows byte for byte (serial ids and timestamps included). Tests use it to prove a rejected input
 * changed nothing.
 */
export async function tableFingerprint(dataSource: DataSource, tables: readonly ResultTable[] = RESULT_TABLES): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    // Table names come from the fixed list above, escaped as identifiers.
    const [row] = (await dataSource.query(
      "SELECT count(*)::text AS n, coalesce(md5(string_agg(md5(t::text), ',' ORDER BY md5(t::text))), '') AS sum FROM " + dataSource.driver.escape(table) + ' t',
    )) as { n: string; sum: string }[];
    out[table] = `${row!.n}:${row!.sum}`;
  }
  return out;
}

/** Row counts of the given results tables. */
export async function rowCounts<T extends ResultTable>(dataSource: DataSource, tables: readonly T[]): Promise<Record<T, number>> {
  const out = {} as Record<T, number>;
  for (const table of tables) {
    const [{ n }] = (await dataSource.query('SELECT count(*)::int AS n FROM ' + dataSource.driver.escape(table))) as { n: number }[];
    out[table] = n;
  }
  return out;
}
