import { createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, runCli, startServer } from './cli-process';
import { referenceTauB } from './reference-tau';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const PERFORMANCES = join(SHARED, 'paper/results/task_performances.csv');
const SCORES = join(SHARED, 'paper/results/transf_metrics_values.csv');
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface CorrelationRow {
  study: string;
  dataset: string;
  metric: string;
  method: string;
  value: number | null;
  pValue: number | null;
  n: number;
}

/** Fig. 3 recomputed from the CSVs alone: tau-b of each score against test balanced accuracy, per task. */
function expectedFig3(): Map<string, { value: number; n: number }> {
  const rows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const testAccuracy = new Map(rows(PERFORMANCES).map(([task, model, , test]) => [`${task}|${model}`, Number(test)]));
  const groups = new Map<string, { scores: number[]; accuracy: number[] }>();
  for (const [task, model, metric, value] of rows(SCORES)) {
    const key = `${task}|${metric!.replace(/_score$/, '')}`;
    const group = groups.get(key) ?? { scores: [], accuracy: [] };
    group.scores.push(Number(value));
    group.accuracy.push(testAccuracy.get(`${task}|${model}`)!);
    groups.set(key, group);
  }
  return new Map([...groups].map(([key, g]) => [key, { value: referenceTauB(g.scores, g.accuracy), n: g.scores.length }]));
}

const FIG3_QUERY = `query Fig3($studies: [String!]) {
  correlations(filter: { studies: $studies }, method: KENDALL_TAU_B, performance: "test_balanced_accuracy") {
    study dataset metric method value pValue n
  }
}`;

/** The same suite against both database targets. */
const targets: { name: string; setup(): Promise<{ env: Record<string, string>; teardown(): Promise<void> }> }[] = [
  {
    name: 'embedded database',
    async setup() {
      // The embedded cluster runs as the `postgres` user, which must be able to enter its home.
      const home = mkdtempSync(join(tmpdir(), 'ts-e2e-home-'));
      chmodSync(home, 0o755);
      return { env: { TRANSFERSCOPE_HOME: home, DATABASE_URL: '' }, teardown: async () => undefined };
    },
  },
  {
    name: 'Postgres (DATABASE_URL)',
    async setup() {
      const scratch: ScratchDatabase = await createScratchDatabase(ADMIN_URL);
      return { env: { DATABASE_URL: scratch.url }, teardown: () => scratch.drop() };
    },
  },
];

for (const target of targets) {
  describe(`the study's Fig. 3 over HTTP, on the ${target.name}`, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ts-e2e-cwd-'));
    let env: Record<string, string>;
    let teardown: () => Promise<void>;
    let server: Awaited<ReturnType<typeof startServer>>;

    beforeAll(async () => {
      ({ env, teardown } = await target.setup());
      const imported = await runCli(['import', 'study-results', '--study', 'paper', '--performances', PERFORMANCES, '--scores', SCORES, '--json'], { cwd, env });
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout).scores.inserted).toBe(210);
      // A shared Postgres needs tokens by default; this suite reads anonymously on both targets.
      server = await startServer({ cwd, env, args: ['--anonymous-read'] });
    });

    afterAll(async () => {
      await server?.stop();
      await teardown?.();
    });

    it('answers all 21 (task, score) values equal to tau-b computed independently from the CSVs', async () => {
      const { data, errors } = await graphql<{ correlations: CorrelationRow[] }>(server.url, FIG3_QUERY, { studies: ['paper'] });
      expect(errors).toBeUndefined();
      const expected = expectedFig3();
      expect(expected.size).toBe(21);
      expect(data!.correlations).toHaveLength(21);
      for (const row of data!.correlations) {
        const reference = expected.get(`${row.dataset}|${row.metric}`);
        expect(reference, `${row.dataset}/${row.metric}`).toBeDefined();
        expect(row.value).toBeCloseTo(reference!.value, 12);
        expect(row.n).toBe(reference!.n);
        expect(row.method).toBe('KENDALL_TAU_B');
        expect(row.pValue).toBeGreaterThan(0);
        expect(row.pValue).toBeLessThanOrEqual(1);
      }
    });

    it('filters by study, dataset and metric as in the documented example', async () => {
      const { data } = await graphql<{ correlations: CorrelationRow[]; studies: { name: string; datasets: { name: string }[]; metrics: { id: string }[] }[] }>(
        server.url,
        `query {
          correlations(filter: {studies: ["paper"], datasets: ["breakhis"], metrics: ["logme"]}, method: KENDALL_TAU_B, performance: "test_balanced_accuracy") {
            study dataset metric method value pValue n
          }
          studies { name datasets { name } metrics { id } }
        }`,
      );
      expect(data!.correlations).toHaveLength(1);
      expect(data!.correlations[0]!.value).toBeCloseTo(expectedFig3().get('breakhis|logme')!.value, 12);
      expect(data!.studies).toEqual([
        {
          name: 'paper',
          datasets: [{ name: 'brain_tumor_kaggle' }, { name: 'breakhis' }, { name: 'skin_splits' }],
          metrics: ['gbc', 'hscore', 'leep', 'logme', 'nce', 'nleep', 'reg_hscore'].map((id) => ({ id })),
        },
      ]);
    });

    it('reports an unknown performance measure with its own error code', async () => {
      const { errors } = await graphql(server.url, '{ correlations(performance: "top5") { value } }');
      expect(errors![0]!.extensions!['code']).toBe('UNKNOWN_PERFORMANCE_MEASURE');
      expect(errors![0]!.message).toMatch(/"top5".*test_balanced_accuracy/);
    });

    it('prints the same rows from `transferscope correlate --json`', async () => {
      const cli = await runCli(['correlate', '--study', 'paper', '--json'], { cwd, env });
      expect(cli.code).toBe(0);
      const { data } = await graphql<{ correlations: CorrelationRow[] }>(server.url, FIG3_QUERY, { studies: ['paper'] });
      const rows = (JSON.parse(cli.stdout) as CorrelationRow[]).map(({ study, dataset, metric, method, value, pValue, n }) => ({ study, dataset, metric, method, value, pValue, n }));
      expect(rows).toEqual(data!.correlations);
    });

    it('rejects a bad file with exit code 2 and a specific message, and the answers do not change', async () => {
      const missing = join(cwd, 'missing.csv');
      const result = await runCli(['import', 'study-results', '--study', 'paper', '--performances', missing, '--scores', SCORES], { cwd, env });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`transferscope: ${missing}: file does not exist`);
      const again = await runCli(['import', 'study-results', '--study', 'paper', '--performances', PERFORMANCES, '--scores', SCORES, '--json'], { cwd, env });
      const summary = JSON.parse(again.stdout);
      expect(summary.scores).toEqual({ inserted: 0, updated: 0, unchanged: 210 });
    });

    it('serves an offline GraphiQL: every asset from this server, none from a CDN', async () => {
      const base = server.url.replace(/\/graphql$/, '');
      const page = await (await fetch(`${base}/graphiql`)).text();
      const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources.length).toBe(4);
      for (const source of sources) {
        expect(source.startsWith('/graphiql/assets/')).toBe(true);
        const asset = await fetch(`${base}${source}`);
        expect(asset.status).toBe(200);
        expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      }
    });
  });
}
