export { openDatabase, createDataSource, migrate, revertLastMigration } from './data-source';
export type { Database, DatabaseTarget, OpenDatabaseOptions } from './data-source';
export * from './entities';
export { createScratchDatabase } from './scratch-database';
export type { ScratchDatabase } from './scratch-database';
export * from './importers';
export { RESULT_TABLES, rowCounts, tableFingerprint } from './table-fingerprint';
export type { ResultTable } from './table-fingerprint';
