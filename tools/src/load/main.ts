import { ApiTokenService } from '@transferscope/api';
import { createScratchDatabase, importStudyResults, openDatabase } from '@transferscope/db';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BROWSE_REQUESTS, CORRELATION_REQUESTS, IMPORT_REQUEST } from './load-mix';
import { runLoad, type LoadReport } from './run-load';

/**
 * `npm run load`: the API under 100 concurrent clients for 60 s, on a scratch database of the Postgres at
 * DATABASE_URL (default the local test server) holding the study's published results. Readers mix correlation
 * queries and browsing; one writer imports all the while. Reports errors, latency percentiles per kind, and the
 * server's resident memory after a warm-up and at the end. Everything listens on 127.0.0.1 only.
 *
 *   node tools/dist/load/main.js [--clients 100] [--seconds 60] [--warmup 5] [--json]
 */
const CLI = resolve(__dirname, '../../bin/transferscope.js');

/** Resident set size of a process, in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env: { ...process.env, ...env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"listening"'));
      if (line) done({ url: (JSON.parse(line) as { url: string }).url, child });
    });
    child.once('exit', (code) => fail(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

export interface LoadRun extends LoadReport {
  /** RSS of the idle server, before any request. */
  rssAtStartMiB: number;
  rssAfterWarmupMiB: number;
  rssAfterMiB: number;
  rssGrowthPercent: number;
  /** RSS every 5 s during the measured run: a plateau is heap sizing, a steady climb a leak. */
  rssSamplesMiB: number[];
}

export async function main(argv: string[]): Promise<LoadRun> {
  const { values } = parseArgs({ args: argv, options: { clients: { type: 'string', default: '100' }, seconds: { type: 'string', default: '60' }, warmup: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const shared = process.env['TRANSFERSCOPE_SHARED'] ?? resolve(__dirname, '../../../../shared');
  const scratch = await createScratchDatabase(process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test');
  let server: { url: string; child: ChildProcess } | undefined;
  try {
    const tokens = { reader: '', writer: '' };
    const db = await openDatabase({ kind: 'postgres', url: scratch.url });
    try {
      const results = join(shared, 'paper/results');
      await importStudyResults(db.dataSource, 'paper', { performances: { path: join(results, 'task_performances.csv') }, scores: { path: join(results, 'transf_metrics_values.csv') } });
      const service = new ApiTokenService(db.dataSource);
      tokens.reader = (await service.create('load-reader', 'reader')).token;
      tokens.writer = (await service.create('load-writer', 'writer')).token;
    } finally {
      await db.close();
    }
    server = await startServer({ DATABASE_URL: scratch.url });
    const rssAtStartMiB = rssMiB(server.child.pid!);
    const mix = { url: server.url, tokens, readers: [...CORRELATION_REQUESTS, ...BROWSE_REQUESTS], writer: IMPORT_REQUEST };
    // Warm-up: the same mix, so caches, JIT and connection pools are at their working size before the baseline RSS.
    const warm = await runLoad({ ...mix, clients, seconds: warmup });
    const rssAfterWarmupMiB = rssMiB(server.child.pid!);
    const pid = server.child.pid!;
    const rssSamplesMiB: number[] = [];
    const sampler = setInterval(() => rssSamplesMiB.push(Math.round(rssMiB(pid))), 5000);
    const report = await runLoad({ ...mix, clients, seconds }).finally(() => clearInterval(sampler));
    const rssAfterMiB = rssMiB(pid);
    const run: LoadRun = {
      ...report,
      errors: report.errors + warm.errors,
      sampleErrors: [...warm.sampleErrors, ...report.sampleErrors].slice(0, 5),
      rssAtStartMiB,
      rssAfterWarmupMiB,
      rssAfterMiB,
      rssGrowthPercent: (100 * (rssAfterMiB - rssAfterWarmupMiB)) / rssAfterWarmupMiB,
      rssSamplesMiB,
    };
    if (values.json) console.log(JSON.stringify(run));
    else printReport(run);
    return run;
  } finally {
    if (server) {
      const exited = new Promise((done) => server!.child.once('exit', done));
      server.child.kill('SIGTERM');
      await exited;
    }
    await scratch.drop();
  }
}

function printReport(run: LoadRun): void {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(`${run.clients} clients for ${run.seconds.toFixed(1)} s: ${run.requests} requests (${run.throughput.toFixed(0)}/s), ${run.errors} errors`);
  for (const [kind, s] of Object.entries(run.byKind)) console.log(`  ${kind.padEnd(12)} ${String(s.requests).padStart(7)} requests, ${s.errors} errors, p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`);
  console.log(`server RSS ${run.rssAtStartMiB.toFixed(1)} MiB idle, ${run.rssAfterWarmupMiB.toFixed(1)} MiB after warm-up, ${run.rssAfterMiB.toFixed(1)} MiB at the end (${run.rssGrowthPercent >= 0 ? '+' : ''}${run.rssGrowthPercent.toFixed(1)}%); every 5 s: ${run.rssSamplesMiB.join(', ')} MiB`);
  for (const error of run.sampleErrors) console.log(`  error: ${error}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (run) => (process.exitCode = run.errors === 0 ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
