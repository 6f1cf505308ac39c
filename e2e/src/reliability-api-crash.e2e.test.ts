import { createScratchDatabase, openDatabase, type ScratchDatabase } from '@transferscope/db';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, startServer } from './cli-process';
import { databaseFingerprint } from './db-fingerprint';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A long-format upload of 20 datasets x 500 models x 3 metrics = 30,000 score rows (about 1.5 MB). */
function bigUpload(): string {
  const rows = ['dataset,model,test_score,classes,transf_metric,transf_score'];
  for (let d = 0; d < 20; d++) {
    for (let m = 0; m < 500; m++) {
      for (const metric of ['logme', 'leep', 'nce']) rows.push(`ds_${d},model_${m},${((m % 97) / 100).toFixed(2)},3,${metric},${(d * 500 + m) / 7}`);
    }
  }
  return rows.join('\n') + '\n';
}

const IMPORT = 'mutation ($t: String!) { importResults(input: { study: "crashed", format: LONG, file: { name: "big.csv", text: $t } }) { scores { inserted updated unchanged } } }';

describe('the API server killed (SIGKILL) during an import', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ts-rel-apicrash-'));
  let scratch: ScratchDatabase;
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    env = { DATABASE_URL: scratch.url, TRANSFERSCOPE_HOME: join(cwd, 'home') };
    token = await createToken('writer', 'crash-writer', { cwd, env });
  });
  afterAll(async () => scratch?.drop());

  it('leaves nothing of the killed import, and the repeated import then writes it exactly once', async () => {
    const text = bigUpload();
        const before = await databaseFingerprint(scratch.url);
    const server = await startServer({ cwd, env });
    const request = fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: IMPORT, variables: { t: text } }) });
    // Kill once the import's transaction is open: its connection shows in pg_stat_activity as working on a statement.
    const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    let sawWrite = false;
    try {
      const started = Date.now();
      while (Date.now() - started < 30_000) {
        const [row] = (await db.dataSource.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE '%score%'")) as { n: number }[];
        if (row!.n > 0) {
          sawWrite = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await db.close();
    }
    expect(sawWrite, 'the import never reached the database').toBe(true);
    server.child.kill('SIGKILL');
    await expect(request).rejects.toThrow();
    // All or nothing: Postgres rolls the dead connection's open transaction back (byte-for-byte as before), unless the
    // kill came after its commit (then the whole file is there, and the repeated import finds it unchanged).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterKill = await databaseFingerprint(scratch.url);
    const committed = afterKill['score'] !== before['score'];
    if (committed) expect(afterKill['score']!.startsWith('30000:'), afterKill['score']).toBe(true);
    else expect(afterKill).toEqual(before);

    const restarted = await startServer({ cwd, env });
    try {
      const response = await fetch(restarted.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: IMPORT, variables: { t: text } }) });
      const body = (await response.json()) as { data?: { importResults: { scores: { inserted: number; unchanged: number } } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data!.importResults.scores).toMatchObject(committed ? { inserted: 0, unchanged: 30_000 } : { inserted: 30_000, unchanged: 0 });
    } finally {
      await restarted.stop();
    }
    const after = await openDatabase({ kind: 'postgres', url: scratch.url }, { migrate: false });
    try {
      const [row] = (await after.dataSource.query('SELECT (SELECT count(*)::int FROM score) AS scores, (SELECT count(*)::int FROM evaluation) AS evaluations, (SELECT count(*)::int FROM study) AS studies')) as object[];
      expect(row).toEqual({ scores: 30_000, evaluations: 10_000, studies: 1 });
    } finally {
      await after.close();
    }
  });
});
