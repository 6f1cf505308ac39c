import { createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, runCli, startServer } from './cli-process';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const PERFORMANCES = join(SHARED, 'paper/results/task_performances.csv');
const SCORES = join(SHARED, 'paper/results/transf_metrics_values.csv');
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * scipy.stats.weightedtau (rank=True, hyperbolic weigher, additive) by its definition, O(n^2): Vigna's
 * tau_w = sum_{i<j} w_ij sgn(dx) sgn(dy) / sqrt(sum_{i<j} w_ij [dx != 0] * sum_{i<j} w_ij [dy != 0]), with
 * w_ij = 1/(r_i + 1) + 1/(r_j + 1) and r the rank in the decreasing lexicographic order by (a, b); scipy averages
 * the value ranked by (x, y) with the one ranked by (y, x).
 */
function referenceWeightedTau(x: number[], y: number[]): number {
  const ranked = (a: number[], b: number[]): number => {
    const order = a.map((_, i) => i).sort((i, j) => b[j]! - b[i]! || 0).sort((i, j) => a[j]! - a[i]!);
    const rank = new Array<number>(a.length);
    order.forEach((element, position) => (rank[element] = position));
    let num = 0;
    let dx = 0;
    let dy = 0;
    for (let i = 0; i < a.length; i++) {
      for (let j = i + 1; j < a.length; j++) {
        const w = 1 / (rank[i]! + 1) + 1 / (rank[j]! + 1);
        const sx = Math.sign(x[i]! - x[j]!);
        const sy = Math.sign(y[i]! - y[j]!);
        num += w * sx * sy;
        dx += w * Math.abs(sx);
        dy += w * Math.abs(sy);
      }
    }
    return num / Math.sqrt(dx * dy);
  };
  return (ranked(x, y) + ranked(y, x)) / 2;
}

/** Pairs (score, test balanced accuracy) per "dataset|metric", read from the published CSVs alone. */
function pairsFromCsv(): Map<string, { scores: number[]; accuracy: number[] }> {
  const rows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const accuracy = new Map(rows(PERFORMANCES).map(([task, model, , test]) => [`${task}|${model}`, Number(test)]));
  const groups = new Map<string, { scores: number[]; accuracy: number[] }>();
  for (const [task, model, metric, value] of rows(SCORES)) {
    const key = `${task}|${metric!.replace(/_score$/, '')}`;
    const group = groups.get(key) ?? { scores: [], accuracy: [] };
    group.scores.push(Number(value));
    group.accuracy.push(accuracy.get(`${task}|${model}`)!);
    groups.set(key, group);
  }
  return groups;
}

interface Row {
  dataset: string;
  metric: string;
  value: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  seed: number | null;
  n: number;
}

describe('the API on a shared Postgres: tokens, roles, weighted tau and bootstrap over HTTP', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-e2e-api-'));
  let scratch: ScratchDatabase;
  let env: Record<string, string>;
  let server: Awaited<ReturnType<typeof startServer>>;
  const tokens: Record<string, string> = {};

  async function post<T>(query: string, options: { token?: string; variables?: Record<string, unknown> } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables ?? {} }) });
    return { status: response.status, ...((await response.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }) };
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    env = { DATABASE_URL: scratch.url };
    const imported = await runCli(['import', 'study-results', '--study', 'paper', '--performances', PERFORMANCES, '--scores', SCORES, '--json'], { cwd, env });
    expect(imported.code).toBe(0);
    for (const role of ['reader', 'writer', 'admin']) {
      tokens[role] = await createToken(role, `${role}-e2e`, { cwd, env });
    }
    server = await startServer({ cwd, env });
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it('needs a token by default on DATABASE_URL, and the CLI refuses an unknown role', async () => {
    const anonymous = await post('{ studies { name } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors![0]!.extensions!['code']).toBe('UNAUTHENTICATED');
    const bad = await runCli(['token', 'create', '--role', 'owner', '--name', 'x'], { cwd, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role owner is not one of reader, writer, admin/);
  });

  it('gives WEIGHTED_TAU equal to scipy\'s weightedtau computed independently from the CSVs', async () => {
    // The reference itself against scipy's documented example.
    expect(referenceWeightedTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.56694968153682723, 14);
    const { data, errors } = await post<{ correlations: Row[] }>('{ correlations(filter: { studies: ["paper"] }, method: WEIGHTED_TAU) { dataset metric value n } }', { token: tokens['reader'] });
    expect(errors).toBeUndefined();
    const expected = pairsFromCsv();
    expect(data!.correlations).toHaveLength(21);
    for (const row of data!.correlations) {
      const pairs = expected.get(`${row.dataset}|${row.metric}`)!;
      expect(row.value, `${row.dataset}/${row.metric}`).toBeCloseTo(referenceWeightedTau(pairs.scores, pairs.accuracy), 12);
      expect(row.n).toBe(pairs.scores.length);
    }
  });

  it('gives identical bootstrap intervals for the same seed, whatever else the request asks', async () => {
    const query = 'query ($datasets: [String!], $seed: Int) { correlations(filter: { studies: ["paper"], datasets: $datasets }, bootstrap: { resamples: 1000, seed: $seed, interval: HDI }) { dataset metric value ciLow ciHigh seed } }';
    const all = await post<{ correlations: Row[] }>(query, { token: tokens['reader'], variables: { seed: 2024 } });
    const one = await post<{ correlations: Row[] }>(query, { token: tokens['reader'], variables: { seed: 2024, datasets: ['breakhis'] } });
    const other = await post<{ correlations: Row[] }>(query, { token: tokens['reader'], variables: { seed: 7, datasets: ['breakhis'] } });
    expect(one.data!.correlations).toHaveLength(7);
    for (const row of one.data!.correlations) {
      expect(all.data!.correlations.find((r) => r.dataset === row.dataset && r.metric === row.metric)).toEqual(row);
      expect(row.seed).toBe(2024);
      expect(row.ciLow!).toBeLessThanOrEqual(row.ciHigh!);
    }
    const moved = other.data!.correlations.filter((row, i) => row.ciLow !== one.data!.correlations[i]!.ciLow || row.ciHigh !== one.data!.correlations[i]!.ciHigh);
    expect(moved.length).toBeGreaterThan(0);
  });

  it('lets each role do exactly what it should', async () => {
    const create = 'mutation ($name: String!) { createStudy(name: $name) { name } }';
    const token = 'mutation { createApiToken(name: "new-reader", role: READER) { apiToken { name } } }';
    const reader = await post(create, { token: tokens['reader'], variables: { name: 'by-reader' } });
    expect(reader.errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    const writer = await post<{ createStudy: { name: string } }>(create, { token: tokens['writer'], variables: { name: 'by-writer' } });
    expect(writer.data!.createStudy.name).toBe('by-writer');
    expect((await post(token, { token: tokens['writer'] })).errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    const admin = await post<{ createApiToken: { apiToken: { name: string } } }>(token, { token: tokens['admin'] });
    expect(admin.data!.createApiToken.apiToken.name).toBe('new-reader');
    const studies = await post<{ studies: { name: string }[] }>('{ studies { name } }', { token: tokens['reader'] });
    expect(studies.data!.studies.map((s) => s.name)).toEqual(['by-writer', 'paper']);
  });
});
