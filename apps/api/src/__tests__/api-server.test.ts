import { createScratchDatabase, ENTITIES, importStudyResults, openDatabase, type ScratchDatabase } from '@transferscope/db';
import { getIntrospectionQuery } from 'graphql';
import { join } from 'node:path';
import { DataSource, type Logger } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../modules/auth/api-token.service';
import { startApiServer, type RunningApiServer } from '../server/api-server';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULTS = join(process.env['TRANSFERSCOPE_SHARED']!, 'paper/results');

/** Counts the SQL statements the server sends, to prove batching (no N+1). */
class CountingLogger implements Logger {
  statements = 0;
  logQuery(): void {
    this.statements++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

interface Answer<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('the API server: roles, limits, writes, browsing', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let server: RunningApiServer;
  const logger = new CountingLogger();
  const tokens: Record<'reader' | 'writer' | 'admin', string> = { reader: '', writer: '', admin: '' };

  async function post<T>(query: string, options: { token?: string; variables?: Record<string, unknown> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables ?? {} }) });
    return { status: response.status, ...((await response.json()) as Omit<Answer<T>, 'status'>) };
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    const migrated = await openDatabase({ kind: 'postgres', url: scratch.url });
    await importStudyResults(migrated.dataSource, 'paper', { performances: { path: join(RESULTS, 'task_performances.csv') }, scores: { path: join(RESULTS, 'transf_metrics_values.csv') } });
    // 100 trials of 5 epochs each.
    await migrated.dataSource.query(
      `INSERT INTO trial (study_id, model_id, dataset_id, protocol, halton_index, seed, hyper_parameters, status)
       SELECT 1, 'resnet50', (SELECT min(id) FROM dataset), 'finetune', k, 0, jsonb_build_object('lr', k * 0.001), 'done' FROM generate_series(1, 100) AS k`,
    );
    await migrated.dataSource.query(
      `INSERT INTO trial_epoch (trial_id, epoch, learning_rate, train_loss, val_loss, val_balanced_accuracy)
       SELECT t.id, e, 0.01, 1.0 / e, 1.1 / e, 0.5 + e * 0.05 FROM trial t, generate_series(1, 5) AS e`,
    );
    const service = new ApiTokenService(migrated.dataSource);
    for (const role of ['reader', 'writer', 'admin'] as const) tokens[role] = (await service.create(`${role}-1`, role)).token;
    await migrated.close();

    dataSource = new DataSource({ type: 'postgres', url: scratch.url, entities: ENTITIES, logging: true, logger });
    await dataSource.initialize();
    server = await startApiServer({ dataSource, port: 0, limits: { maxUploadBytes: 20_000 } });
  });

  afterAll(async () => {
    await server?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  const FIG3 = '{ correlations(filter: { studies: ["paper"] }) { dataset metric value } }';

  it('refuses anonymous and badly authenticated requests with 401 when anonymous reads are off', async () => {
    const anonymous = await post(FIG3);
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors![0]!.extensions!['code']).toBe('UNAUTHENTICATED');
    expect(anonymous.errors![0]!.message).toMatch(/needs an API token.*Authorization: Bearer/);
    const forged = await post(FIG3, { token: tokens.admin.slice(0, -4) + 'AAAA' });
    expect(forged.status).toBe(401);
    expect((await post(FIG3, { token: 'not-a-token' })).status).toBe(401);
  });

  it('lets a reader read and nothing more: mutations and token management are refused by name', async () => {
    const read = await post<{ correlations: unknown[]; me: { role: string } }>(`{ correlations(filter: { studies: ["paper"] }) { value } me { role name } }`, { token: tokens.reader });
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
    expect(read.data!.correlations).toHaveLength(21);
    expect(read.data!.me).toEqual({ role: 'reader', name: 'reader-1' });
    const write = await post('mutation { createStudy(name: "by-reader") { id } }', { token: tokens.reader });
    expect(write.errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    expect(write.errors![0]!.message).toBe('createStudy needs the writer role; this token has the reader role');
    expect((await post('{ apiTokens { name } }', { token: tokens.reader })).errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    const studies = await post<{ studies: { name: string }[] }>('{ studies { name } }', { token: tokens.reader });
    expect(studies.data!.studies.map((s) => s.name)).toEqual(['paper']);
  });

  it('lets a writer create studies and import results, but not manage tokens', async () => {
    const created = await post<{ createStudy: { name: string; origin: string } }>('mutation { createStudy(name: "planned", description: "to run") { name origin } }', { token: tokens.writer });
    expect(created.data!.createStudy).toEqual({ name: 'planned', origin: 'computed' });
    const again = await post('mutation { createStudy(name: "planned") { id } }', { token: tokens.writer });
    expect(again.errors![0]!.extensions!['code']).toBe('STUDY_EXISTS');
    expect((await post('{ apiTokens { name } }', { token: tokens.writer })).errors![0]!.message).toBe('apiTokens needs the admin role; this token has the writer role');
  });

  it('imports uploaded CSV text transactionally, rejects bad files by file and line, and caps upload size', async () => {
    const longCsv = ['dataset,model,test_score,classes,transf_metric,transf_score', 'cifar,a,0.9,10,logme_score,1.5', 'cifar,b,0.8,10,logme_score,1.1', 'cifar,c,0.7,10,logme_score,1.2'].join('\n');
    const mutation = 'mutation ($input: ImportResultsInput!) { importResults(input: $input) { study studyCreated scores { inserted unchanged } metrics } }';
    const input = { study: 'follow-up', format: 'LONG', file: { name: 'bench.csv', text: longCsv } };
    const before = await post<{ correlations: { study: string }[] }>('{ correlations(performance: "test_score") { study value } }', { token: tokens.reader });
    expect(before.errors![0]!.extensions!['code']).toBe('UNKNOWN_PERFORMANCE_MEASURE');
    const imported = await post<{ importResults: { studyCreated: boolean; scores: { inserted: number } } }>(mutation, { token: tokens.writer, variables: { input } });
    expect(imported.data!.importResults).toMatchObject({ study: 'follow-up', studyCreated: true, scores: { inserted: 3, unchanged: 0 }, metrics: ['logme'] });
    // The write bumped the change version, so the (cached) correlations now include the new study.
    const after = await post<{ correlations: { study: string; value: number }[] }>('{ correlations(performance: "test_score") { study value } }', { token: tokens.reader });
    expect(after.data!.correlations).toHaveLength(1);
    expect(after.data!.correlations[0]!.study).toBe('follow-up');
    expect(after.data!.correlations[0]!.value).toBeCloseTo(1 / 3, 12); // 2 concordant pairs, 1 discordant
    const bad = await post(mutation, { token: tokens.writer, variables: { input: { ...input, file: { name: 'bad.csv', text: longCsv.replace('0.8', 'eighty') } } } });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'IMPORT_REJECTED', file: 'bad.csv', line: 3 });
    const big = await post(mutation, { token: tokens.writer, variables: { input: { ...input, file: { name: 'big.csv', text: longCsv + '\n'.repeat(20_000) } } } });
    expect(big.errors![0]!.extensions!['code']).toBe('UPLOAD_TOO_LARGE');
    expect(big.errors![0]!.message).toMatch(/big\.csv: 20\d+ bytes exceeds the upload limit of 20000 bytes/);
  });

  it('lets an admin create, list and revoke tokens; a revoked token stops working at once', async () => {
    const created = await post<{ createApiToken: { token: string; apiToken: { role: string } } }>('mutation { createApiToken(name: "temp", role: READER) { token apiToken { role } } }', { token: tokens.admin });
    const temp = created.data!.createApiToken.token;
    expect(temp).toMatch(/^tsk_\d+_[A-Za-z0-9_-]{43}$/);
    expect((await post(FIG3, { token: temp })).status).toBe(200);
    const listed = await post<{ apiTokens: { name: string }[] }>('{ apiTokens { name role revokedAt } }', { token: tokens.admin });
    expect(listed.data!.apiTokens.map((t) => t.name)).toEqual(['admin-1', 'reader-1', 'temp', 'writer-1']);
    await post('mutation { revokeApiToken(name: "temp") { revokedAt } }', { token: tokens.admin });
    expect((await post(FIG3, { token: temp })).status).toBe(401);
  });

  it('refuses too deep and too complex queries before running them, saying the limit', async () => {
    // The schema's deepest query has depth 4; a server limited to 3 shows the depth check (fragments followed).
    const strict = await startApiServer({ dataSource, port: 0, limits: { maxDepth: 3, maxComplexity: 5_000 } });
    const postTo = async (query: string) => {
      const response = await fetch(`${strict.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reader}` }, body: JSON.stringify({ query }) });
      return { status: response.status, ...((await response.json()) as Omit<Answer<unknown>, 'status'>) };
    };
    try {
      const deep = await postTo('{ trials(first: 1) { nodes { epochs { epoch } } } }');
      expect(deep.status).toBe(400);
      expect(deep.errors![0]!.message).toBe('query is too deep: depth 4 exceeds the limit of 3; split it into several queries');
      expect(deep.errors![0]!.extensions!['code']).toBe('QUERY_TOO_DEEP');
      const viaFragments = await postTo('query { ...A } fragment A on Query { trials(first: 1) { ...B } } fragment B on TrialConnection { nodes { epochs { ...C } } } fragment C on TrialEpoch { epoch valLoss }');
      expect(viaFragments.errors![0]!.extensions!['code']).toBe('QUERY_TOO_DEEP');
      expect((await postTo('{ studies { datasets { name } } }')).errors).toBeUndefined();
      const costly = await postTo('{ scores(first: 500) { nodes { id value model metric study dataset split status seconds reason } } }');
      expect(costly.status).toBe(400);
      expect(costly.errors![0]!.message).toMatch(/^query is too complex: estimated cost \d+ exceeds the limit of 5000; ask for fewer items/);
      expect(costly.errors![0]!.extensions!['code']).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await strict.close();
    }
  });

  it('answers GraphiQL\'s full introspection query within the default limits', async () => {
    const answer = await post<{ __schema: { types: unknown[] } }>(getIntrospectionQuery(), { token: tokens.reader });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.__schema.types.length).toBeGreaterThan(30);
  });

  it('keeps CSRF prevention on: a simple cross-site form post is refused', async () => {
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${tokens.reader}` }, body: '{"query":"{ me { role } }"}' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });

  it('loads 100 trials with their epochs in a bounded number of SQL statements', async () => {
    const before = logger.statements;
    const page = await post<{ trials: { nodes: { id: number; epochs: { epoch: number }[] }[] } }>('{ trials(first: 100) { nodes { id epochs { epoch } } } }', { token: tokens.reader });
    const statements = logger.statements - before;
    expect(page.data!.trials.nodes).toHaveLength(100);
    expect(page.data!.trials.nodes.every((t) => t.epochs.map((e) => e.epoch).join() === '1,2,3,4,5')).toBe(true);
    // Token lookup, the page, one batch of epochs (a loader per field would take 100 more).
    expect(statements).toBeLessThanOrEqual(3);
  });

  it('reports a study\'s progress for polling', async () => {
    const { data } = await post<{ studyProgress: Record<string, number | string> | null; unknown: null }>(
      '{ studyProgress(study: "paper") { study trialsTotal trialsDone trialsRunning scoresTotal scoresFailed evaluations } unknown: studyProgress(study: "nope") { study } }',
      { token: tokens.reader },
    );
    // The paper's 210 imported scores and 60 evaluations (test and validation of 30 (task, model) pairs), plus the 100 trials made above.
    expect(data!.studyProgress).toEqual({ study: 'paper', trialsTotal: 100, trialsDone: 100, trialsRunning: 0, scoresTotal: 210, scoresFailed: 0, evaluations: 60 });
    expect(data!.unknown).toBeNull();
  });

  it('pages with cursors: every item once, in order, for id and value orders', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    do {
      const page: Answer<{ trials: { nodes: { id: number }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }> = await post(
        'query ($after: String) { trials(first: 30, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }',
        { token: tokens.reader, variables: { after } },
      );
      seen.push(...page.data!.trials.nodes.map((n) => n.id));
      after = page.data!.trials.pageInfo.hasNextPage ? page.data!.trials.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(100);

    const values: number[] = [];
    after = null;
    do {
      const page: Answer<{ scores: { nodes: { value: number }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } }> = await post(
        'query ($after: String) { scores(filter: { studies: ["paper"], metrics: ["logme"] }, first: 7, after: $after, order: VALUE_DESC) { nodes { value } pageInfo { endCursor hasNextPage } } }',
        { token: tokens.reader, variables: { after } },
      );
      values.push(...page.data!.scores.nodes.map((n) => n.value));
      after = page.data!.scores.pageInfo.hasNextPage ? page.data!.scores.pageInfo.endCursor : null;
    } while (after);
    expect(values).toHaveLength(30);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    const badCursor = await post('{ scores(after: "nonsense") { nodes { id } } }', { token: tokens.reader });
    expect(badCursor.errors![0]!.extensions!['code']).toBe('BAD_CURSOR');
  });
});
