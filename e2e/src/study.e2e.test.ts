import { createScratchDatabase, openDatabase, rowCounts, type ScratchDatabase } from '@transferscope/db';
import { createRegistry } from '@transferscope/metrics';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './cli-process';
import { databaseRowCounts } from './db-fingerprint';
import { expectedRows, tinyStudy } from './tiny-study';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const STUDY = tinyStudy('e2e-brain-tumor', 16);
const MODELS = STUDY.models;
const EXPECTED = expectedRows(STUDY);

const counts = (url: string) => databaseRowCounts(url, Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]);

describe('a real study, end to end', () => {
  let scratch: ScratchDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'ts-study-'));
  chmodSync(dir, 0o755);
  const studyFile = join(dir, 'study.json');
  let env: Record<string, string>;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    writeFileSync(studyFile, JSON.stringify(STUDY));
    env = {
      DATABASE_URL: scratch.url,
      TRANSFERSCOPE_HOME: join(dir, 'home'),
      TRANSFERSCOPE_DATA_ROOT: join(SHARED, 'zoo/datasets'),
      TRANSFERSCOPE_ZOO: join(SHARED, 'zoo/models'),
    };
  });
  afterAll(async () => scratch?.drop());

  it('resumes after being killed mid-way and ends with exactly the expected rows', async () => {
    // Kill the run (SIGKILL: no cleanup) once it has recorded its first trial, mid-way through the second phase.
    const child = spawn(process.execPath, [CLI, 'study', 'run', studyFile], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
    const killed = await new Promise<boolean>((resolve) => {
      const timer = setInterval(async () => {
        const now = await counts(scratch.url).catch(() => null);
        if (now && now.trial >= 1) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(true);
        }
      }, 250);
      child.once('exit', () => {
        clearInterval(timer);
        resolve(false);
      });
    });
    expect(killed).toBe(true);
    const partial = await counts(scratch.url);
    expect(partial.trial).toBeLessThan(EXPECTED.trial + 1);

    const resumed = await runCli(['study', 'run', studyFile, '--json'], { cwd: dir, env });
    expect(resumed.stderr).not.toMatch(/transferscope: /);
    expect(resumed.code).toBe(0);
    expect(await counts(scratch.url)).toEqual(EXPECTED);

    // The closing report: tau of each score against test balanced accuracy, ID and OOD.
    const { correlations } = JSON.parse(resumed.stdout) as { correlations: { dataset: string; metric: string; n: number }[] };
    expect(new Set(correlations.map((c) => c.dataset))).toEqual(new Set(['brain_tumor_kaggle', 'brain_mri_ood']));
    expect(correlations.find((c) => c.dataset === 'brain_tumor_kaggle' && c.metric === 'logme')?.n).toBe(MODELS.length);
  });

  it('adds nothing when run again', async () => {
    const again = await runCli(['study', 'run', studyFile], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(await counts(scratch.url)).toEqual(EXPECTED);
  });

  it('runs the same study on the embedded database with the same rows', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ts-study-home-'));
    chmodSync(home, 0o755);
    const embedded = { ...env, DATABASE_URL: '', TRANSFERSCOPE_HOME: home };
    const result = await runCli(['study', 'run', studyFile, '--json'], { cwd: dir, env: embedded });
    expect(result.stderr).not.toMatch(/transferscope: /);
    expect(result.code).toBe(0);
    const { summary } = JSON.parse(result.stdout) as { summary: { units: number; ranHere: number } };
    expect(summary.ranHere).toBe(summary.units);
    const db = await openDatabase({ kind: 'embedded', home });
    try {
      expect(await rowCounts(db.dataSource, Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])).toEqual(EXPECTED);
    } finally {
      await db.close();
    }
  });

  it('reports a study file naming an unknown model with exit code 2, writing nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...STUDY, name: 'bad', models: ['resnet9000'] }));
    const result = await runCli(['study', 'run', bad], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/study bad: unknown model resnet9000 \(the zoo has .*darknet-tiny-imagenet/);
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    expect(await db.dataSource.query("SELECT 1 FROM study WHERE name = 'bad'")).toEqual([]);
    await db.close();
  });

  it("a changed model pool gets its own pool-relative scores under a new pool id; the old pool's stay", async () => {
    const pooled = createRegistry()
      .list()
      .filter((m) => m.poolRelative)
      .map((m) => m.id);
    expect(pooled.length).toBeGreaterThan(0);
    const poolRows = async () => {
      const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
      try {
        return (await db.dataSource.query(
          `SELECT pool_id AS pool, count(*)::int AS rows, count(DISTINCT model_id)::int AS models FROM score
           WHERE metric_id = ANY($1::text[]) AND pool_id <> '' GROUP BY pool_id ORDER BY rows DESC`,
          [pooled],
        )) as { pool: string; rows: number; models: number }[];
      } finally {
        await db.close();
      }
    };
    const before = await poolRows();
    // One pool of both models: every pool-relative metric, ID and OOD.
    expect(before).toEqual([{ pool: expect.stringMatching(/^pool-[0-9a-f]{16}$/), rows: MODELS.length * pooled.length * 2, models: MODELS.length }]);

    const smaller = join(dir, 'smaller.json');
    writeFileSync(smaller, JSON.stringify({ ...STUDY, models: [MODELS[0]] }));
    const result = await runCli(['study', 'run', smaller], { cwd: dir, env });
    expect(result.stderr).not.toMatch(/transferscope: /);
    expect(result.code).toBe(0);
    const after = await poolRows();
    expect(after).toEqual([before[0], { pool: expect.not.stringMatching(before[0]!.pool), rows: pooled.length * 2, models: 1 }]);
  });
});
