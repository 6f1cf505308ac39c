export { openDatabase, createDataSource, migrate, revertLastMigration } from './data-source';
export type { Database, DatabaseTarget, OpenDatabaseOptions } from './data-source';
export * from './entities';
export { createScratchDatabase } from './scratch-database';
export type { ScratchDatabase } from './scratch-database';
export * from './importers';
