import { openDatabase, rowCounts, tableFingerprint, type Database, type ResultTable } from '@transferscope/db';

type DataSource = Database['dataSource'];

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const db = await openDatabase({ kind: 'postgres', url }, { migrate: false });
  try {
    return await work(db.dataSource);
  } finally {
    await db.close();
  }
}

/** The results tables' fingerprint (libs/db `tableFingerprint`) of the database at `url`. */
export function databaseFingerprint(url: string): Promise<Record<string, string>> {
  return withDataSource(url, (dataSource) => tableFingerprint(dataSource));
}

/** Row counts of the given results tables of the database at `url`. */
export function databaseRowCounts<T extends ResultTable>(url: string, tables: readonly T[]): Promise<Record<T, number>> {
  return withDataSource(url, (dataSource) => rowCounts(dataSource, tables));
}
