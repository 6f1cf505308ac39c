import { openDatabase, type Database, type DatabaseTarget, type OpenDatabaseOptions } from '@transferscope/db';
import { type Command } from 'commander';
import { loadConfig, type TransferscopeConfig } from '../config';

/** Global options every command accepts; they override the environment and the config file. */
export interface GlobalOptions {
  config?: string;
  databaseUrl?: string;
  home?: string;
  dataRoot?: string;
  zoo?: string;
  paperData?: string;
  plugin?: string[];
}

/** The resolved configuration for the command being run. */
export function configOf(command: Command): TransferscopeConfig {
  const global = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({
    cwd: process.cwd(),
    env: process.env,
    flags: {
      config: global.config,
      databaseUrl: global.databaseUrl,
      home: global.home,
      dataRoot: global.dataRoot,
      zoo: global.zoo,
      paperData: global.paperData,
      plugins: global.plugin,
    },
  });
}

export function databaseTarget(config: TransferscopeConfig): DatabaseTarget {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'embedded', home: config.home };
}

/** Opens the configured results database for the duration of `work`, closing it whatever happens. */
export async function withDatabase<T>(config: TransferscopeConfig, work: (db: Database) => Promise<T>, options?: OpenDatabaseOptions): Promise<T> {
  const db = await openDatabase(databaseTarget(config), options);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Where the results live, in words, without credentials. */
export function describeTarget(config: TransferscopeConfig): string {
  if (!config.databaseUrl) return `embedded database in ${config.home}/db`;
  const url = new URL(config.databaseUrl);
  url.password = url.password ? '***' : '';
  // node-postgres also takes a password as a query parameter (`?password=`, `?sslpassword=`).
  for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, '***');
  return `Postgres at ${url.toString()}`;
}
