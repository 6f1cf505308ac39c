import { createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { createRegistry } from '@transferscope/metrics';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, createToken, startServer } from './cli-process';
import { tinyStudy } from './tiny-study';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const STUDY = tinyStudy('e2e-progress', 4);

interface Units {
  done: number;
  total: number;
  byKind: { kind: string; done: number; total: number }[];
}

describe('polling studyProgress.units while a real study runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-e2e-progress-'));
  chmodSync(dir, 0o755);
  let scratch: ScratchDatabase;
  let env: Record<string, string>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let token = '';

  async function poll(): Promise<Units | null> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query ($s: String!) { studyProgress(study: $s) { units { done total byKind { kind done total } } } }', variables: { s: STUDY.name } }),
    });
    const body = (await response.json()) as { data: { studyProgress: { units: Units | null } | null } };
    return body.data.studyProgress?.units ?? null;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    env = { DATABASE_URL: scratch.url, TRANSFERSCOPE_HOME: join(dir, 'home'), TRANSFERSCOPE_DATA_ROOT: join(SHARED, 'zoo/datasets'), TRANSFERSCOPE_ZOO: join(SHARED, 'zoo/models') };
    token = await createToken('reader', 'progress-reader', { cwd: dir, env });
    server = await startServer({ cwd: dir, env });
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it('counts up to the coordinator\'s own total, never backwards, and ends with every unit done', async () => {
    const studyFile = join(dir, 'study.json');
    writeFileSync(studyFile, JSON.stringify(STUDY));
    const child = spawn(process.execPath, [CLI, 'study', 'run', studyFile], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));

    const seen: Units[] = [];
    while (running) {
      const units = await poll();
      if (units) seen.push(units);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await exited, stderr).toBe(0);
    const final = (await poll())!;

    // The coordinator's plan, from its structured log: the same total, and its last count of recorded units.
    const events = stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const start = events.find((e) => e['event'] === 'study-start')!;
    const unitsDone = events.filter((e) => e['task'] === 'units').at(-1)!;
    expect(final.total).toBe(start['units']);
    expect(final).toMatchObject({ done: unitsDone['done'], total: unitsDone['total'] });
    expect(final.done).toBe(final.total);
    // 2 models x 1 pair with an OOD set: extraction, 2 score splits, 2 trials, evaluation; pools for 2 splits when
    // the registry has pool-relative metrics.
    const pools = createRegistry().list().some((metric) => metric.poolRelative) ? 2 : 0;
    expect(Object.fromEntries(final.byKind.map((k) => [k.kind, k.total]))).toEqual({ extract: 2, score: 4, trial: 4, evaluate: 2, pool: pools });

    // While it ran: a constant total, a count that never went back, and at least one reading part-way.
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((u) => u.total))).toEqual(new Set([final.total]));
    seen.forEach((units, i) => expect(units.done).toBeGreaterThanOrEqual(i === 0 ? 0 : seen[i - 1]!.done));
    expect(seen.some((u) => u.done > 0 && u.done < u.total)).toBe(true);
  });
});
