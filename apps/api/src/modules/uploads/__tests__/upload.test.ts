import { createScratchDatabase, openDatabase, tableFingerprint, type Database, type ScratchDatabase } from '@transferscope/db';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../auth/api-token.service';
import { startApiServer, type RunningApiServer } from '../../../server/api-server';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULTS = join(process.env['TRANSFERSCOPE_SHARED']!, 'paper/results');
const PERFORMANCES = readFileSync(join(RESULTS, 'task_performances.csv'));
const SCORES = readFileSync(join(RESULTS, 'transf_metrics_values.csv'));
const LONG = ['dataset,model,test_score,classes,transf_metric,transf_score', 'cifar,a,0.9,10,logme_score,1.5', 'cifar,b,0.8,10,logme_score,1.1', 'cifar,c,0.7,10,logme_score,1.2', ''].join('\n');
/** Smaller than the paper's files, so the cap can be shown with a file just over it. */
const LIMIT = 40_000;

interface Answer {
  status: number;
  body: { errors?: { message: string; extensions: Record<string, unknown> }[] } & Record<string, unknown>;
}

describe('POST /import: results files as a multipart upload', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let server: RunningApiServer;
  const tokens: Record<'reader' | 'writer', string> = { reader: '', writer: '' };

  /** Posts a form of text fields and files (name -> [file name, bytes]). */
  async function upload(fields: Record<string, string>, files: Record<string, [string, Uint8Array | string]>, token?: string): Promise<Answer> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const [name, [fileName, bytes]] of Object.entries(files)) form.append(name, new Blob([bytes]), fileName);
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const response = await fetch(`${server.url}/import`, { method: 'POST', headers, body: form });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  const paperFiles = (): Record<string, [string, Uint8Array]> => ({ performances: ['task_performances.csv', PERFORMANCES], scores: ['transf_metrics_values.csv', SCORES] });

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    const service = new ApiTokenService(db.dataSource);
    for (const role of ['reader', 'writer'] as const) tokens[role] = (await service.create(`${role}-1`, role)).token;
    server = await startApiServer({ dataSource: db.dataSource, port: 0, limits: { maxUploadBytes: LIMIT } });
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
    await scratch?.drop();
  });

  it('refuses anonymous callers (401) and readers (403), writing nothing', async () => {
    const before = await tableFingerprint(db.dataSource);
    const anonymous = await upload({ study: 'paper' }, paperFiles());
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors![0]!.extensions['code']).toBe('UNAUTHENTICATED');
    const reader = await upload({ study: 'paper' }, paperFiles(), tokens.reader);
    expect(reader.status).toBe(403);
    expect(reader.body.errors![0]).toEqual({ message: 'import needs the writer role; this token has the reader role', extensions: { code: 'FORBIDDEN' } });
    expect(await tableFingerprint(db.dataSource)).toEqual(before);
  });

  it('refuses anonymous uploads even where anonymous reads are on', async () => {
    const open = await startApiServer({ dataSource: db.dataSource, port: 0, anonymousRead: true });
    try {
      const form = new FormData();
      form.append('study', 'paper');
      const response = await fetch(`${open.url}/import`, { method: 'POST', body: form });
      expect(response.status).toBe(401);
      expect(((await response.json()) as Answer['body']).errors![0]!.message).toMatch(/needs a token with the writer role/);
    } finally {
      await open.close();
    }
  });

  it('imports the study\'s two files for a writer, and a second upload changes nothing', async () => {
    const first = await upload({ study: 'paper', format: 'STUDY_RESULTS' }, paperFiles(), tokens.writer);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ study: 'paper', studyCreated: true, scores: { inserted: 210, updated: 0, unchanged: 0 }, evaluations: { inserted: 60, updated: 0, unchanged: 0 } });
    expect((first.body['metrics'] as string[]).length).toBe(7);
    const [provenance] = await db.dataSource.query("SELECT provenance FROM score ORDER BY id LIMIT 1");
    // The provenance names the uploaded file as the client named it.
    expect(provenance.provenance).toMatchObject({ file: 'transf_metrics_values.csv', line: 2 });
    const before = await tableFingerprint(db.dataSource, ['score', 'evaluation', 'dataset', 'source_model', 'metric']);
    const again = await upload({ study: 'paper' }, paperFiles(), tokens.writer);
    expect(again.body).toMatchObject({ studyCreated: false, scores: { inserted: 0, updated: 0, unchanged: 210 }, evaluations: { inserted: 0, updated: 0, unchanged: 60 } });
    expect(await tableFingerprint(db.dataSource, ['score', 'evaluation', 'dataset', 'source_model', 'metric'])).toEqual(before);
  });

  it('imports the long format (format implied by the one `file`)', async () => {
    const answer = await upload({ study: 'follow-up' }, { file: ['bench.csv', LONG] }, tokens.writer);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ study: 'follow-up', scores: { inserted: 3 }, evaluations: { inserted: 3 }, datasets: ['cifar'], models: ['a', 'b', 'c'], metrics: ['logme'] });
  });

  it('rejects a bad file by file and line, all or nothing: the good file beside it is not written either', async () => {
    const before = await tableFingerprint(db.dataSource);
    const scores = SCORES.toString('utf8').split('\n');
    scores[5] = scores[5]!.replace(/,[^,]*$/, ',not-a-number');
    const bad = await upload({ study: 'second' }, { performances: ['p.csv', PERFORMANCES], scores: ['s.csv', scores.join('\n')] }, tokens.writer);
    expect(bad.status).toBe(400);
    expect(bad.body.errors![0]!.extensions).toEqual({ code: 'IMPORT_REJECTED', file: 's.csv', line: 6 });
    expect(bad.body.errors![0]!.message).toBe('s.csv:6: column value: "not-a-number" is not a finite number');
    const latin1 = await upload({ study: 'second' }, { file: ['latin1.csv', Buffer.from(LONG.replace('cifar,a', 'caf\u00e9,a'), 'latin1')] }, tokens.writer);
    expect(latin1.body.errors![0]).toEqual({ message: 'latin1.csv: is not valid UTF-8 text', extensions: { code: 'IMPORT_REJECTED', file: 'latin1.csv', line: null } });
    const badStudy = await upload({ study: 'x; DROP TABLE score' }, { file: ['l.csv', LONG] }, tokens.writer);
    expect(badStudy.body.errors![0]!.extensions['code']).toBe('IMPORT_REJECTED');
    expect(badStudy.body.errors![0]!.message).toMatch(/study name "x; DROP TABLE score" is not valid/);
    expect(await tableFingerprint(db.dataSource)).toEqual(before);
  });

  it('refuses a file over the size cap with 413, naming the file and the limit, before anything is written', async () => {
    const before = await tableFingerprint(db.dataSource);
    const big = LONG + 'cifar,d,0.6,10,logme_score,1.0\n'.repeat(Math.ceil(LIMIT / 30));
    const answer = await upload({ study: 'big' }, { file: ['big.csv', big] }, tokens.writer);
    expect(answer.status).toBe(413);
    expect(answer.body.errors![0]).toEqual({ message: `big.csv: more than ${LIMIT} bytes exceeds the upload limit of ${LIMIT} bytes; import it with the CLI instead`, extensions: { code: 'UPLOAD_TOO_LARGE' } });
    // A body whose declared length cannot fit is refused before it is read.
    const huge = new Uint8Array(4 * LIMIT);
    const declared = await upload({ study: 'big' }, { file: ['huge.csv', huge] }, tokens.writer);
    expect(declared.status).toBe(413);
    expect(declared.body.errors![0]!.message).toMatch(/^the request body of \d+ bytes exceeds the upload limit \(40000 bytes per file\)/);
    expect(await tableFingerprint(db.dataSource)).toEqual(before);
  });

  it('allows the limit itself: a file of exactly the limit imports, one byte more is refused', async () => {
    const head = LONG + 'cifar,z,0.6,10,logme_score,1.';
    const exact = head + '0'.repeat(LIMIT - head.length - 1) + '\n';
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const atLimit = await upload({ study: 'edge' }, { file: ['edge.csv', exact] }, tokens.writer);
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
    expect(atLimit.body).toMatchObject({ scores: { inserted: 4 } });
    const overLimit = await upload({ study: 'edge' }, { file: ['edge.csv', exact + '\n'] }, tokens.writer);
    expect(overLimit.status).toBe(413);
  });

  it('says what is wrong with a malformed form', async () => {
    const missingFile = await upload({ study: 'x', format: 'STUDY_RESULTS' }, { performances: ['p.csv', PERFORMANCES] }, tokens.writer);
    expect(missingFile.body.errors![0]).toEqual({ message: 'this format needs the `scores` file', extensions: { code: 'MISSING_FILE' } });
    const stray = await upload({ study: 'x', format: 'LONG' }, { file: ['l.csv', LONG], scores: ['s.csv', SCORES] }, tokens.writer);
    expect(stray.body.errors![0]).toEqual({ message: 'format LONG takes the file file, not scores', extensions: { code: 'BAD_UPLOAD_FIELD' } });
    const unknownFormat = await upload({ study: 'x', format: 'XLSX' }, { file: ['l.csv', LONG] }, tokens.writer);
    expect(unknownFormat.body.errors![0]!.message).toBe('the field "format" is "XLSX"; expected STUDY_RESULTS or LONG');
    const unknownField = await upload({ study: 'x', comment: 'hi' }, { file: ['l.csv', LONG] }, tokens.writer);
    expect(unknownField.body.errors![0]!.message).toBe('unexpected field "comment" (expected study, format, performances, scores, file)');
    const noStudy = await upload({}, { file: ['l.csv', LONG] }, tokens.writer);
    expect(noStudy.body.errors![0]!.message).toBe('the field "study" is missing (the study to import into)');
    const json = await fetch(`${server.url}/import`, { method: 'POST', headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect(((await json.json()) as Answer['body']).errors![0]!.extensions['code']).toBe('NOT_MULTIPART');
    const studies: { name: string }[] = await db.dataSource.query('SELECT name FROM study ORDER BY name');
    expect(studies.map((s) => s.name)).toEqual(['edge', 'follow-up', 'paper']);
  });
});
