import { createScratchDatabase, openDatabase, type ScratchDatabase } from '@transferscope/db';
import { createRng } from '@transferscope/stats';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './cli-process';
import { orphans, studySnapshot, type StudySnapshot } from './study-snapshot';
import { databaseRowCounts } from './db-fingerprint';
import { expectedRows, tinyStudy } from './tiny-study';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PERFORMANCES = join(SHARED, 'paper/results/task_performances.csv');
const SCORES = join(SHARED, 'paper/results/transf_metrics_values.csv');

const STUDY = tinyStudy('e2e-reliability', 16);
const EXPECTED_COUNTS = expectedRows(STUDY);

function spawnCli(args: string[], cwd: string, env: Record<string, string>): ChildProcess & { exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { exited, output: () => output });
}

const counts = (url: string) => databaseRowCounts(url, Object.keys(EXPECTED_COUNTS) as (keyof typeof EXPECTED_COUNTS)[]);

/** Sum of the results rows: grows as the study progresses, used to pick kill points inside the work. */
async function progress(url: string): Promise<number> {
  const now = await counts(url).catch(() => null);
  return now ? Object.values(now).reduce((a, b) => a + b, 0) : 0;
}

describe('several workers, killed workers, concurrent imports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-rel-workers-'));
  chmodSync(dir, 0o755);
  const studyFile = join(dir, 'study.json');
  const scratches: ScratchDatabase[] = [];
  let reference: StudySnapshot;

  const envFor = (scratch: ScratchDatabase, home: string): Record<string, string> => ({
    DATABASE_URL: scratch.url,
    TRANSFERSCOPE_HOME: join(dir, home),
    TRANSFERSCOPE_DATA_ROOT: join(SHARED, 'zoo/datasets'),
    TRANSFERSCOPE_ZOO: join(SHARED, 'zoo/models'),
  });

  beforeAll(() => writeFileSync(studyFile, JSON.stringify(STUDY)));
  afterAll(async () => {
    for (const scratch of scratches) await scratch.drop();
  });

  it('3 workers on one Postgres finish the study with exactly the expected rows, each unit done once', async () => {
    const scratch = await createScratchDatabase(ADMIN_URL);
    scratches.push(scratch);
    const env = envFor(scratch, 'home-concurrent');
    const coordinator = spawnCli(['study', 'run', studyFile, '--no-work', '--json'], dir, env);
    // Workers stop when the study is complete, whenever the coordinator gets round to queueing its units.
    const workers = [0, 1, 2].map(() => spawnCli(['worker', '--study', studyFile, '--exit-when-done'], dir, env));
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes, workers.map((w) => w.output()).join('\n')).toEqual([0, 0, 0]);

    expect(await counts(scratch.url)).toEqual(EXPECTED_COUNTS);
    expect(await orphans(scratch.url)).toEqual({ scoreWithoutFeatureSet: [], epochWithoutTrial: [], evaluationWithoutTrial: [], unfinishedTrial: [], trialWithoutEpochs: [], duplicateScore: [] });
    // Each unit ran once: every job of the study's queue completed on its first try, and more than one worker ran some.
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    try {
      const jobs = (await db.dataSource.query("SELECT singleton_key AS key, state, retry_count FROM pgboss.job WHERE name LIKE 'study-%'")) as { key: string; state: string; retry_count: number }[];
      expect(jobs.length).toBeGreaterThan(0);
      expect(new Set(jobs.map((j) => j.key)).size).toBe(jobs.length);
      expect(jobs.filter((j) => j.state !== 'completed' || j.retry_count !== 0)).toEqual([]);
    } finally {
      await db.close();
    }
    const ran = workers.map((w) => (w.output().match(/unit-done/g) ?? []).length);
    expect(ran.filter((n) => n > 0).length, `units per worker: ${ran.join(', ')}`).toBeGreaterThan(1);
    reference = await studySnapshot(scratch.url);
  });

  it('killed with SIGKILL at 5 seeded points and restarted, it ends equal to the uninterrupted run', async () => {
    expect(reference, 'needs the uninterrupted run above').toBeDefined();
    const scratch = await createScratchDatabase(ADMIN_URL);
    scratches.push(scratch);
    const env = envFor(scratch, 'home-crash');
    const rng = createRng(20261125);
    const random = () => rng.nextFloat();
    const total = Object.values(EXPECTED_COUNTS).reduce((a, b) => a + b, 0);
    // Kill points as fractions of the study's rows, increasing: one in each fifth of the work.
    const KILLS = 5;
    const killAt = Array.from({ length: KILLS }, (_, k) => Math.floor(((k + random()) / KILLS) * total * 0.9));
    const kills: number[] = [];
    for (const threshold of killAt) {
      // A coordinator and one worker; both die together (SIGKILL: no cleanup), as on a lost machine.
      const coordinator = spawnCli(['study', 'run', studyFile, '--no-work'], dir, env);
      const worker = spawnCli(['worker', '--study', studyFile, '--idle-exit', '30'], dir, env);
      const reached = await new Promise<boolean>((resolve) => {
        const timer = setInterval(() => {
          void progress(scratch.url).then((rows) => {
            if (rows >= threshold) {
              clearInterval(timer);
              resolve(true);
            }
          });
        }, 200);
        void coordinator.exited.then(() => {
          clearInterval(timer);
          resolve(false);
        });
      });
      worker.kill('SIGKILL');
      coordinator.kill('SIGKILL');
      await Promise.all([worker.exited, coordinator.exited]);
      if (reached) kills.push(await progress(scratch.url));
    }
    // Every kill landed inside the work (not after it finished).
    expect(kills.length, `kill points ${killAt.join(', ')} of ${total} rows; killed at ${kills.join(', ')}`).toBe(KILLS);
    expect(kills[kills.length - 1]!).toBeLessThan(total);

    const coordinator = spawnCli(['study', 'run', studyFile, '--no-work'], dir, env);
    const worker = spawnCli(['worker', '--study', studyFile, '--idle-exit', '5'], dir, env);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(await worker.exited, worker.output()).toBe(0);

    expect(await counts(scratch.url)).toEqual(EXPECTED_COUNTS);
    expect(await orphans(scratch.url)).toEqual({ scoreWithoutFeatureSet: [], epochWithoutTrial: [], evaluationWithoutTrial: [], unfinishedTrial: [], trialWithoutEpochs: [], duplicateScore: [] });
    expect(await studySnapshot(scratch.url)).toEqual(reference);
  });

  it('a worker killed mid-unit is noticed within seconds: the running coordinator takes the unit back and another worker finishes', async () => {
    expect(reference, 'needs the uninterrupted run above').toBeDefined();
    const scratch = await createScratchDatabase(ADMIN_URL);
    scratches.push(scratch);
    const env = envFor(scratch, 'home-abandoned');
    const coordinator = spawnCli(['study', 'run', studyFile, '--no-work'], dir, env);
    const doomed = spawnCli(['worker', '--study', studyFile, '--idle-exit', '60'], dir, env);
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    try {
      // Kill the worker (SIGKILL: its lease connection just drops) while it runs a unit that is not the first.
      const held = await new Promise<string | null>((resolve) => {
        const timer = setInterval(() => {
          void (async () => {
            if ((await progress(scratch.url)) < 4) return;
            const active = (await db.dataSource.query("SELECT singleton_key AS key FROM pgboss.job WHERE name LIKE 'study-%' AND state = 'active'").catch(() => [])) as { key: string }[];
            if (active.length === 0) return;
            clearInterval(timer);
            doomed.kill('SIGKILL');
            resolve(active[0]!.key);
          })();
        }, 100);
        void doomed.exited.then(() => {
          clearInterval(timer);
          resolve(null);
        });
      });
      await doomed.exited;
      expect(held, doomed.output()).not.toBeNull();
      const killedAt = Date.now();
      const rescuer = spawnCli(['worker', '--study', studyFile, '--exit-when-done'], dir, env);
      expect(await coordinator.exited, coordinator.output()).toBe(0);
      expect(await rescuer.exited, rescuer.output()).toBe(0);
      // Within the lease's grace period and a few polls, not pg-boss's one-hour expiry.
      expect(coordinator.output()).toContain(`unit-abandoned`);
      expect(coordinator.output()).toContain(held!);
      expect(Date.now() - killedAt).toBeLessThan(10 * 60_000);
      const [cancelled] = (await db.dataSource.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name LIKE 'study-%' AND state = 'cancelled' AND singleton_key = $1", [held])) as { n: number }[];
      expect(cancelled!.n).toBe(1);
    } finally {
      await db.close();
    }
    expect(await counts(scratch.url)).toEqual(EXPECTED_COUNTS);
    expect(await studySnapshot(scratch.url)).toEqual(reference);
  });

  it('3 concurrent imports of the same results files into one study leave exactly one copy', async () => {
    const scratch = await createScratchDatabase(ADMIN_URL);
    scratches.push(scratch);
    const env = { DATABASE_URL: scratch.url, TRANSFERSCOPE_HOME: join(dir, 'home-import') };
    const args = ['import', 'study-results', '--study', 'paper', '--performances', PERFORMANCES, '--scores', SCORES, '--json'];
    const results = await Promise.all([0, 1, 2].map(() => runCli(args, { cwd: dir, env })));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const inserted = results.map((r) => (JSON.parse(r.stdout) as { scores: { inserted: number; unchanged: number } }).scores);
    // However the three interleaved, the 210 scores were inserted once in total and found unchanged otherwise.
    expect(inserted.reduce((sum, s) => sum + s.inserted, 0)).toBe(210);
    expect(inserted.reduce((sum, s) => sum + s.inserted + s.unchanged, 0)).toBe(630);
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    try {
      const [row] = (await db.dataSource.query('SELECT (SELECT count(*)::int FROM study) AS studies, (SELECT count(*)::int FROM score) AS scores, (SELECT count(*)::int FROM evaluation) AS evaluations')) as { studies: number; scores: number; evaluations: number }[];
      expect(row).toEqual({ studies: 1, scores: 210, evaluations: 60 });
    } finally {
      await db.close();
    }
  });
});
