import { createScratchDatabase, openDatabase } from '@transferscope/db';
import { startApiServer } from '../server/api-server';
import { percentile, runLoad } from './load';
import { seedSyntheticResults, type SeedSize } from './seed';

/**
 * `npx nx run api:bench`: seeds a synthetic database in a scratch database on the Postgres of DATABASE_URL
 * (default the local test server), starts the API in this process, and drives it from a worker thread.
 * Size: BENCH_STUDIES (default 20; the full size is 100) x 20 datasets x 30 models x 20 metrics.
 */
async function main(): Promise<void> {
  const adminUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const size: SeedSize = { studies: Number(process.env['BENCH_STUDIES'] ?? 20), datasets: 20, models: 30, metrics: 20 };
  const scratch = await createScratchDatabase(adminUrl);
  const db = await openDatabase({ kind: 'postgres', url: scratch.url }, { poolSize: 10 });
  try {
    const seeded = await seedSyntheticResults(db.dataSource, size);
    console.log(`seeded ${size.studies} studies x ${size.datasets} datasets x ${size.models} models x ${size.metrics} metrics: ${seeded.scores} scores, ${seeded.evaluations} evaluations in ${seeded.seconds.toFixed(1)} s`);
    const uncached = await startApiServer({ dataSource: db.dataSource, port: 0, anonymousRead: true, limits: { cacheEntries: 0, requestTimeoutMs: 120_000, maxComplexity: 1e9 } });
    const cached = await startApiServer({ dataSource: db.dataSource, port: 0, anonymousRead: true });
    const body = (studies: string[] | null, bootstrap: boolean) =>
      JSON.stringify({
        query: `query ($studies: [String!]) { correlations(filter: { studies: $studies }, method: KENDALL_TAU_B${bootstrap ? ', bootstrap: { resamples: 1000, seed: 1 }' : ''}) { study dataset metric value pValue n ciLow ciHigh } }`,
        variables: { studies },
      });
    const studyNames = Array.from({ length: size.studies }, (_, i) => `bench-${String(i + 1).padStart(3, '0')}`);
    const scenarios = [
      { name: 'one study, per-dataset tau (uncached)', url: uncached.url, bodies: studyNames.map((s) => body([s], false)), concurrency: 4, requests: 400, seconds: 20 },
      { name: 'all studies, per-dataset tau (uncached)', url: uncached.url, bodies: [body(null, false)], concurrency: 1, requests: 8, seconds: 60 },
      { name: 'one study, 1,000 bootstrap resamples (uncached)', url: uncached.url, bodies: studyNames.map((s) => body([s], true)), concurrency: 2, requests: 40, seconds: 40 },
      { name: 'repeated identical query (cached)', url: cached.url, bodies: [body([studyNames[0]!], false)], concurrency: 32, requests: 20_000, seconds: 8 },
    ];
    console.log('| scenario | requests | errors | p50 ms | p95 ms | p99 ms | req/s |');
    console.log('|---|---|---|---|---|---|---|');
    for (const scenario of scenarios) {
      const result = await runLoad({ url: `${scenario.url}/graphql`, bodies: scenario.bodies, concurrency: scenario.concurrency, requests: scenario.requests, seconds: scenario.seconds });
      const f = (v: number) => v.toFixed(1);
      console.log(
        `| ${scenario.name} (concurrency ${scenario.concurrency}) | ${result.requests} | ${result.errors} | ${f(percentile(result.latencies, 50))} | ${f(percentile(result.latencies, 95))} | ${f(percentile(result.latencies, 99))} | ${f(result.requests / result.seconds)} |`,
      );
    }
    await uncached.close();
    await cached.close();
  } finally {
    await db.close();
    await scratch.drop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
