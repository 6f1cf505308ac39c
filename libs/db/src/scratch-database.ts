import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A throw-away database on a Postgres server, for tests and benchmarks that must not touch real data. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database `ts_scratch_<random>` on the server of `adminUrl` (any database the user may connect
 * to, e.g. `postgres://postgres@127.0.0.1:5432/test`), and drops it, with its connections, on `drop()`.
 */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `ts_scratch_${randomBytes(6).toString('hex')}`;
  // Identifiers cannot be bound parameters; the name is ours (hex) and escaped all the same.
  await withClient(adminUrl, (client) => client.query('CREATE DATABASE ' + client.escapeIdentifier(name)));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (client) => client.query('DROP DATABASE IF EXISTS ' + client.escapeIdentifier(name) + ' WITH (FORCE)')).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
