import { createScratchDatabase, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../modules/auth/api-token.service';
import { startApiServer, type RunningApiServer } from '../api-server';
import { sharedReader } from '../result-cache';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('the response cache, shared change-version reads and the verified-token cache', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let server: RunningApiServer;
  let reader = '';

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    const q = (sql: string) => db.dataSource.query(sql);
    await q(`INSERT INTO study (name, origin) VALUES ('s', 'imported')`);
    await q(`INSERT INTO dataset (name) VALUES ('d')`);
    await q(`INSERT INTO source_model (id) VALUES ('a'), ('b'), ('c'), ('e')`);
    await q(`INSERT INTO metric (id) VALUES ('m')`);
    await q(`INSERT INTO score (study_id, metric_id, model_id, dataset_id, value) SELECT 1, 'm', id, 1, v FROM (VALUES ('a', 1.0), ('b', 2.0), ('c', 3.0), ('e', 4.0)) AS t(id, v)`);
    await q(
      `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value)
       SELECT 1, id, 1, 'test', 'imported', 'test_balanced_accuracy', v FROM (VALUES ('a', 0.5), ('b', 0.6), ('c', 0.7), ('e', 0.8)) AS t(id, v)`,
    );
    reader = (await new ApiTokenService(db.dataSource).create('reader-1', 'reader')).token;
    server = await startApiServer({ dataSource: db.dataSource, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    await scratch?.drop();
  });

  async function post(query: string, token: string | null = reader): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return { status: response.status, text: await response.text() };
  }
  const serviceCalls = () => server.services.correlations.cacheStats.hits + server.services.correlations.cacheStats.misses;

  const TAU = '{ correlations(filter: { studies: ["s"] }, includeBaselines: false) { dataset metric value n } }';

  it('replays a repeated read without reaching the resolver, and answers anew after any write', async () => {
    const first = await post(TAU);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).data.correlations).toEqual([{ dataset: 'd', metric: 'm', value: 1, n: 4 }]);
    const calls = serviceCalls();
    const again = await post(TAU);
    expect(again).toEqual(first);
    expect(serviceCalls()).toBe(calls);

    // A write by anyone (here plain SQL, as a compute worker would) bumps the change version.
    await db.dataSource.query(`UPDATE score SET value = 5.0 - value WHERE metric_id = 'm'`);
    const after = await post(TAU);
    expect(JSON.parse(after.text).data.correlations).toEqual([{ dataset: 'd', metric: 'm', value: -1, n: 4 }]);
    expect(serviceCalls()).toBeGreaterThan(calls);
  });

  it('keeps the content type the Accept header asked for', async () => {
    const ask = (accept: string) =>
      fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${reader}` }, body: JSON.stringify({ query: TAU }) });
    for (let i = 0; i < 2; i++) {
      expect((await ask('application/graphql-response+json')).headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
      expect((await ask('application/json')).headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('sends no ETag with a POST answer, fresh or replayed, and keeps ETag and 304 for GET', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}` }, body: JSON.stringify({ query: TAU }) });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBeNull();
      expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
    const url = `${server.url}/graphql?query=${encodeURIComponent(TAU)}`;
    // A GET with a header that passes Apollo's CSRF prevention.
    const headers = { authorization: `Bearer ${reader}`, 'apollo-require-preflight': 'true' };
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    expect(JSON.parse(await first.text()).data.correlations).toHaveLength(1);
    // Not fetch: with If-None-Match it adds Cache-Control: no-cache, which makes express answer in full.
    const again = await new Promise<number>((resolve, reject) => {
      get(url, { headers: { ...headers, 'if-none-match': etag! } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      }).on('error', reject);
    });
    expect(again).toBe(304);
  });

  it('still refuses callers who may not read, whatever is cached', async () => {
    await post(TAU);
    const anonymous = await post(TAU, null);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const forged = await post(TAU, reader.slice(0, -4) + 'AAAA');
    expect(forged.status).toBe(401);
  });

  it('never replays a bootstrap without a seed, nor a query with other root fields', async () => {
    const unseeded = '{ correlations(filter: { studies: ["s"] }, includeBaselines: false, bootstrap: { resamples: 20 }) { seed } }';
    const seeds = new Set<number>();
    for (let i = 0; i < 4; i++) seeds.add(JSON.parse((await post(unseeded)).text).data.correlations[0].seed);
    expect(seeds.size).toBeGreaterThan(1);
    const me = '{ me { role } correlations(filter: { studies: ["s"] }) { value } }';
    const calls = serviceCalls();
    await post(me);
    await post(me);
    expect(serviceCalls()).toBe(calls + 2);
  });

  it('shares a change-version read only among callers that arrived before it started', async () => {
    let started = 0;
    const resolvers: ((value: number) => void)[] = [];
    const read = sharedReader(() => new Promise<number>((resolve) => {
      started++;
      resolvers.push(resolve);
    }));
    const a = read();
    const b = read(); // arrived while the first read was on the wire: waits for a second one
    const c = read(); // shares that second read
    expect(started).toBe(1);
    resolvers[0]!(1);
    expect(await a).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBe(2);
    resolvers[1]!(2);
    expect([await b, await c]).toEqual([2, 2]);
  });

  it('trusts a verified token for the cache TTL only: a revocation made elsewhere takes effect after it', async () => {
    const service = new ApiTokenService(db.dataSource, 300);
    const { token } = await service.create('short-lived', 'reader');
    await expect(service.authenticate(token)).resolves.toMatchObject({ role: 'reader' });
    // Revoked by another process (e.g. the CLI): this service still holds the verified token for up to 300 ms.
    await db.dataSource.query(`UPDATE api_token SET revoked_at = now() WHERE name = 'short-lived'`);
    await expect(service.authenticate(token)).resolves.toMatchObject({ role: 'reader' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(service.authenticate(token)).rejects.toThrow(/not valid/);
  });
});
