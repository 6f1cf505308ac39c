import { CorrelationsDocument, RegisterDatasetDocument, RegisterModelDocument, StudyProgressDocument, TransferscopeApiError, TransferscopeClient } from '@transferscope/client';
import { createScratchDatabase, type ScratchDatabase } from '@transferscope/db';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, startServer } from './cli-process';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const PERFORMANCES = readFileSync(join(SHARED, 'paper/results/task_performances.csv'));
const SCORES = readFileSync(join(SHARED, 'paper/results/transf_metrics_values.csv'));
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The generated client's example, as built by `tsc -b tsconfig.build.json`. */
const EXAMPLE = resolve(__dirname, '../../clients/typescript/dist/examples/correlations.js');

interface ErrorBody {
  errors?: { message: string; extensions: Record<string, unknown> }[];
}

/** Runs the example script to completion. */
function runExample(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [EXAMPLE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('writes over HTTP on real Postgres: multipart upload, definitions, and the generated client', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-e2e-writes-'));
  let scratch: ScratchDatabase;
  let server: Awaited<ReturnType<typeof startServer>>;
  let base = '';
  const tokens: Record<string, string> = {};

  /** What a curl user sends: `curl -H "Authorization: Bearer $T" -F study=paper -F performances=@... -F scores=@... $URL/import`. */
  async function upload(token: string, study: string): Promise<{ status: number; body: ErrorBody & Record<string, unknown> }> {
    const form = new FormData();
    form.append('study', study);
    form.append('performances', new Blob([new Uint8Array(PERFORMANCES)]), 'task_performances.csv');
    form.append('scores', new Blob([new Uint8Array(SCORES)]), 'transf_metrics_values.csv');
    const response = await fetch(`${base}/import`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: response.status, body: (await response.json()) as ErrorBody & Record<string, unknown> };
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    const env = { DATABASE_URL: scratch.url };
    for (const role of ['reader', 'writer']) tokens[role] = await createToken(role, `${role}-e2e`, { cwd, env });
    server = await startServer({ cwd, env });
    base = server.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it('refuses a reader\'s upload (403) and imports a writer\'s, once: a second upload changes nothing', async () => {
    const reader = await upload(tokens['reader']!, 'paper');
    expect(reader.status).toBe(403);
    expect(reader.body.errors![0]!.extensions['code']).toBe('FORBIDDEN');
    const first = await upload(tokens['writer']!, 'paper');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ study: 'paper', studyCreated: true, scores: { inserted: 210, updated: 0, unchanged: 0 }, evaluations: { inserted: 60 } });
    const again = await upload(tokens['writer']!, 'paper');
    expect(again.body).toMatchObject({ studyCreated: false, scores: { inserted: 0, updated: 0, unchanged: 210 }, evaluations: { inserted: 0, updated: 0, unchanged: 60 } });
  });

  it('refuses a file over the server\'s default 10 MiB cap with 413 and a clear message', async () => {
    const form = new FormData();
    form.append('study', 'huge');
    form.append('file', new Blob(['dataset,model,test_score,classes,transf_metric,transf_score\n', 'x'.repeat(10 * 1024 * 1024)]), 'huge.csv');
    const response = await fetch(`${base}/import`, { method: 'POST', headers: { authorization: `Bearer ${tokens['writer']}` }, body: form });
    expect(response.status).toBe(413);
    const body = (await response.json()) as ErrorBody;
    expect(body.errors![0]).toEqual({ message: 'huge.csv: more than 10485760 bytes exceeds the upload limit of 10485760 bytes; import it with the CLI instead', extensions: { code: 'UPLOAD_TOO_LARGE' } });
  });

  it('runs the generated client\'s example: Fig. 3\'s 21 taus with intervals, equal to the API\'s own answer', async () => {
    const result = await runExample(['paper'], { TRANSFERSCOPE_URL: base, TRANSFERSCOPE_TOKEN: tokens['reader']! });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('as reader-e2e (reader)\n');
    const lines = result.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(lines).toHaveLength(21);
    const client = new TransferscopeClient({ url: base, token: tokens['reader']! });
    const { correlations } = await client.request(CorrelationsDocument, { filter: { studies: ['paper'] } });
    for (const [dataset, metric, value, low, high, n] of lines) {
      const row = correlations.find((r) => r.dataset === dataset && r.metric === metric)!;
      expect(Number(value), `${dataset}/${metric}`).toBeCloseTo(row.value!, 4);
      expect(Number(low)).toBeLessThanOrEqual(Number(high));
      expect(Number(n)).toBe(row.n);
    }
  });

  it('the example fails with the server\'s code and message for a bad token', async () => {
    const result = await runExample(['paper'], { TRANSFERSCOPE_URL: base, TRANSFERSCOPE_TOKEN: 'tsk_1_nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^UNAUTHENTICATED: /);
  });

  it('the typed client uploads the long format, registers definitions, and surfaces refusals as typed errors', async () => {
    const writer = new TransferscopeClient({ url: base, token: tokens['writer']! });
    const text = 'dataset,model,test_score,classes,transf_metric,transf_score\ncifar,a,0.9,10,logme,1.5\ncifar,b,0.8,10,logme,1.1\n';
    const summary = await writer.uploadResults({ study: 'follow-up', format: 'LONG', file: { name: 'bench.csv', content: text } });
    expect(summary).toMatchObject({ study: 'follow-up', scores: { inserted: 2 }, datasets: ['cifar'] });
    const bad = await writer.uploadResults({ study: 'follow-up', format: 'LONG', file: { name: 'bad.csv', content: text.replace('1.1', 'x') } }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(TransferscopeApiError);
    expect(bad).toMatchObject({ code: 'IMPORT_REJECTED', status: 400, extensions: { file: 'bad.csv', line: 3 } });

    const model = await writer.request(RegisterModelDocument, { input: { id: 'a', architecture: 'resnet', parameterCount: 25_557_032, imagenetTop1: 0.7613 } });
    expect(model.registerModel).toMatchObject({ id: 'a', parameterCount: 25_557_032, imagenetTop1: 0.7613 });
    const dataset = await writer.request(RegisterDatasetDocument, { input: { name: 'cifar-c', role: 'OOD', idDataset: 'cifar', numClasses: 10, source: 'Hendrycks & Dietterich 2019' } });
    expect(dataset.registerDataset).toMatchObject({ name: 'cifar-c', role: 'OOD', source: 'Hendrycks & Dietterich 2019' });
    const reader = new TransferscopeClient({ url: base, token: tokens['reader']! });
    const refused = await reader.request(RegisterModelDocument, { input: { id: 'b' } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: 'registerModel needs the writer role; this token has the reader role' });
    // An imported study has no planned units to poll; its counts are there.
    const progress = await reader.request(StudyProgressDocument, { study: 'paper' });
    expect(progress.studyProgress).toMatchObject({ study: 'paper', scoresTotal: 210, evaluations: 60, units: null });
  });
});
