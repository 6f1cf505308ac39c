import { openDatabase } from '@transferscope/db';
import { startApiServer } from '../server/api-server';

/**
 * The server side of `npx nx run api:bench`, in its own process so the load generator never shares its event loop:
 * serves the benchmark database (BENCH_DB_URL) twice, with the answer cache off (`uncached`) and on (`cached`),
 * prints both URLs as one JSON line, and exits on SIGTERM (so `--cpu-prof` writes its profile).
 */
async function main(): Promise<void> {
  const url = process.env['BENCH_DB_URL'];
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const db = await openDatabase({ kind: 'postgres', url }, { poolSize: 10 });
  const uncached = await startApiServer({ dataSource: db.dataSource, port: 0, anonymousRead: true, limits: { cacheEntries: 0, requestTimeoutMs: 120_000, maxComplexity: 1e9 } });
  const cached = await startApiServer({ dataSource: db.dataSource, port: 0, anonymousRead: true });
  console.log(JSON.stringify({ uncached: uncached.url, cached: cached.url }));
  process.once('SIGTERM', () => {
    void Promise.all([uncached.close(), cached.close()])
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
