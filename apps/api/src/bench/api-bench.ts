import { openDatabase } from '@transferscope/db';
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { countRows, ensureBenchDatabase, seedSyntheticResults, sizeFromEnv } from './seed';

/**
 * `npx nx run api:bench` (= `npx tsc -b tsconfig.lib.json && NODE_ENV=production node dist/bench/api-bench.js` in
 * apps/api): seeds the benchmark database on DATABASE_URL's server (default the local test server; kept between
 * runs, seeded once per size, see seed.ts), starts the API in a child process (bench-server.ts) and drives it with
 * autocannon from this process. Prints p50/p95/p99 latency and req/s per scenario as a Markdown table.
 *
 * Environment: BENCH_STUDIES (100, the issue's size) and BENCH_DATASETS/MODELS/METRICS; BENCH_SECONDS (per
 * scenario, default 15); BENCH_CONNECTIONS (the cached scenario's, default 8); BENCH_ONLY (a comma-separated subset of one,
 * all, bootstrap, cached); BENCH_CPU_PROF=<dir> (the server runs with --cpu-prof into that directory); BENCH_DB_URL
 * (use that database as it is: no seeding, no migration) and BENCH_SERVER (another server script speaking
 * bench-server.js's protocol): together they measure an earlier build on a copy of the same data (before/after).
 */

interface Scenario {
  key: string;
  name: string;
  server: 'uncached' | 'cached';
  bodies: string[];
  connections: number;
  seconds: number;
}

async function main(): Promise<void> {
  const adminUrl = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const size = sizeFromEnv();
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 15);
  const cachedConnections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
  const only = process.env['BENCH_ONLY'];

  // BENCH_DB_URL: a database seeded already (e.g. a copy for another build of the server); nothing is seeded.
  const given = process.env['BENCH_DB_URL'];
  const dbUrl = given || (await ensureBenchDatabase(adminUrl, size));
  const db = await openDatabase({ kind: 'postgres', url: dbUrl }, { poolSize: 2, migrate: !given });
  try {
    const seeded = given ? { seeded: false, ...(await countRows(db.dataSource)), seconds: 0 } : await seedSyntheticResults(db.dataSource, size);
    console.log(
      `${seeded.seeded ? 'seeded' : 'reused'} ${new URL(dbUrl).pathname.slice(1)}: ${size.studies} studies x ${size.datasets} datasets x ${size.models} models x ${size.metrics} metrics = ` +
        `${seeded.scores} scores, ${seeded.evaluations} evaluations${seeded.seeded ? ` in ${seeded.seconds.toFixed(1)} s` : ''}`,
    );
  } finally {
    await db.close();
  }

  const body = (studies: string[] | null, bootstrap: boolean) =>
    JSON.stringify({
      query: `query ($studies: [String!]) { correlations(filter: { studies: $studies }, method: KENDALL_TAU_B${bootstrap ? ', bootstrap: { resamples: 1000, seed: 1 }' : ''}) { study dataset metric value pValue n ciLow ciHigh } }`,
      variables: { studies },
    });
  const studyNames = Array.from({ length: size.studies }, (_, i) => `bench-${String(i + 1).padStart(3, '0')}`);
  const scenarios = (
    [
      { key: 'one', name: 'one study, per-dataset tau (uncached)', server: 'uncached', bodies: studyNames.map((s) => body([s], false)), connections: 1, seconds },
      { key: 'all', name: 'all studies, per-dataset tau (uncached)', server: 'uncached', bodies: [body(null, false)], connections: 1, seconds: Math.max(seconds, 20) },
      { key: 'bootstrap', name: 'one study, 1,000 bootstrap resamples (uncached)', server: 'uncached', bodies: studyNames.map((s) => body([s], true)), connections: 1, seconds },
      { key: 'cached', name: 'repeated identical query (cached)', server: 'cached', bodies: [body([studyNames[0]!], false)], connections: cachedConnections, seconds },
    ] as Scenario[]
  ).filter((s) => !only || only.split(',').includes(s.key));

  const server = await startBenchServer(dbUrl);
  try {
    console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), NODE_ENV=${process.env['NODE_ENV'] ?? ''}, load average before: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
    console.log('| scenario | connections | requests | errors | p50 ms | p95 ms | p99 ms | req/s | server CPU ms/req | load avg (1 min) after |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const scenario of scenarios) {
      const url = `${server.urls[scenario.server]}/graphql`;
      // The first body once, unmeasured (it also warms the server): the answer must be a non-empty list without errors.
      for (const b of scenario.bodies.slice(0, 1)) {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
        const answer = (await response.json()) as { data?: { correlations?: unknown[] }; errors?: unknown };
        if (!response.ok || answer.errors || !answer.data?.correlations?.length) throw new Error(`${scenario.name}: bad answer ${JSON.stringify(answer).slice(0, 300)}`);
      }
      const cpuBefore = processCpuMs(server.pid);
      const result = await load(url, scenario);
      const cpuPerRequest = (processCpuMs(server.pid) - cpuBefore) / Math.max(1, result.requests);
      const f = (v: number) => v.toFixed(1);
      console.log(
        `| ${scenario.name} | ${scenario.connections} | ${result.requests} | ${result.errors} | ${f(percentile(result.latencies, 50))} | ${f(percentile(result.latencies, 95))} | ` +
          `${f(percentile(result.latencies, 99))} | ${f(result.requests / result.seconds)} | ${f(cpuPerRequest)} | ${loadavg()[0]!.toFixed(2)} |`,
      );
    }
  } finally {
    await server.stop();
  }
}

/** Runs one scenario with autocannon; latencies (ms, ascending) come from every response, so any percentile can be read. */
async function load(url: string, scenario: Scenario): Promise<{ requests: number; errors: number; seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const started = performance.now();
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The bodies in turn (e.g. one study after another), so an uncached scenario is not a single hot query.
    requests: scenario.bodies.map((body) => ({ method: 'POST', body })),
    connections: scenario.connections,
    duration: scenario.seconds,
    timeout: 120,
    // A GraphQL error comes with HTTP 200: count it as a mismatch.
    verifyBody: (text) => !String(text).includes('"errors"'),
  }, (error, result) => (error ? reject(error as Error) : resolve(result)));
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await done;
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors: result.errors + result.non2xx + result.timeouts + (result.mismatches ?? 0), seconds, latencies: latencies.sort((a, b) => a - b) };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * CPU time (user + system, ms) a process has used, from /proc (Linux; NaN elsewhere): the server's cost per request
 * independent of how busy the machine is, which wall-clock latencies on a shared machine are not.
 */
function processCpuMs(pid: number | undefined): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields of the line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Starts bench-server.js in a child process and waits for its URLs. */
async function startBenchServer(dbUrl: string): Promise<{ pid: number | undefined; urls: { uncached: string; cached: string }; stop(): Promise<void> }> {
  const profileDir = process.env['BENCH_CPU_PROF'];
  // BENCH_SERVER: another server script with bench-server.js's protocol (e.g. an earlier build, for before/after).
  const script = process.env['BENCH_SERVER'] || join(__dirname, 'bench-server.js');
  const child: ChildProcess = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), script], {
    env: { ...process.env, BENCH_DB_URL: dbUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<{ uncached: string; cached: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { uncached: string; cached: string }));
  });
  return {
    pid: child.pid,
    urls,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (require.main === module) {
  void main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
