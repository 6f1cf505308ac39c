/**
 * Benchmarks of libs/stats at scale, with scipy measured side by side on the same doubles in the same run.
 * Run: `npx nx bench stats` (compiles with tsconfig.bench.json into dist/bench-build, then runs on node).
 * scipy is timed by `python3` (numpy and scipy importable; one wall-clock run each); when it is missing, its
 * column says why. Ours: wall median and minimum over the runs after a warm-up, and the least CPU time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, createRng, kendallTauB, weightedTau } from '../index';

const N = 1_000_000;

interface Timing {
  readonly median: number;
  readonly min: number;
  /** Least CPU time (user + system) of one run: less sensitive than wall time to other processes' load. */
  readonly cpu: number;
}

/** Runs f `warmup` times untimed, then `runs` times timed (ms). */
function measure(f: () => unknown, runs: number, warmup: number): Timing {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu = Math.min(cpu, (d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor((runs - 1) / 2)], min: times[0], cpu };
}

type ScipyResult = { version: string; kendall: number; weighted: number; bootstrap: number; kendallValue: number; weightedValue: number };

/** scipy on the same data: kendalltau and weightedtau at n = 10^6 (one run each), bootstrap of tau at n = 10. */
function scipyTimings(x: Float64Array, y: Float64Array): ScipyResult | string {
  const dir = mkdtempSync(join(tmpdir(), 'stats-bench-'));
  try {
    writeFileSync(join(dir, 'x.f64'), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    writeFileSync(join(dir, 'y.f64'), Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    const script = [
      'import json, sys, time',
      'import numpy as np, scipy, scipy.stats as st',
      "x = np.fromfile(sys.argv[1] + '/x.f64', dtype='<f8'); y = np.fromfile(sys.argv[1] + '/y.f64', dtype='<f8')",
      "out = {'version': scipy.__version__ + ' (' + sys.executable + ')'}",
      "t = time.perf_counter(); out['kendallValue'] = float(st.kendalltau(x, y).statistic); out['kendall'] = time.perf_counter() - t",
      "t = time.perf_counter(); out['weightedValue'] = float(st.weightedtau(x, y).statistic); out['weighted'] = time.perf_counter() - t",
      'f = lambda a, b: st.kendalltau(a, b).statistic',
      "st.bootstrap((x[:10], y[:10]), f, paired=True, vectorized=False, n_resamples=50, method='percentile', random_state=0)",
      "t = time.perf_counter(); st.bootstrap((x[:10], y[:10]), f, paired=True, vectorized=False, n_resamples=1000, method='percentile', random_state=0); out['bootstrap'] = time.perf_counter() - t",
      'print(json.dumps(out))',
    ].join('\n');
    const stdout = execFileSync('python3', ['-c', script, dir], { encoding: 'utf8', timeout: 600_000 });
    return JSON.parse(stdout) as ScipyResult;
  } catch (error) {
    return `not measured (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const rng = createRng(2024);
  const x = new Float64Array(N);
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    x[i] = rng.nextFloat();
    y[i] = 0.3 * x[i] + rng.nextFloat();
  }
  const small = { x: x.slice(0, 10), y: y.slice(0, 10) };
  const tauOf = (a: Float64Array, b: Float64Array): number => kendallTauB(a, b).statistic;

  const kendall = measure(() => kendallTauB(x, y), 5, 1);
  const weighted = measure(() => weightedTau(x, y), 5, 1);
  const boot = measure(() => bootstrap(small, tauOf, { seed: 1 }), 20, 3);
  const scipy = scipyTimings(x, y);
  const s = (key: 'kendall' | 'weighted' | 'bootstrap'): string =>
    typeof scipy === 'string' ? 'n/a' : `${(scipy[key] * 1000).toFixed(key === 'bootstrap' ? 1 : 0)} ms`;
  const row = (name: string, t: Timing, digits: number, scipyCol: string, goal: string): string =>
    `${name.padEnd(34)} ${t.median.toFixed(digits).padStart(8)} ms ${t.min.toFixed(digits).padStart(8)} ms ${t.cpu.toFixed(digits).padStart(8)} ms   ${scipyCol.padStart(10)}   ${goal}`;
  const lines = [
    `libs/stats benchmark (node ${process.version}); scipy ${typeof scipy === 'string' ? scipy : scipy.version}`,
    `load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${cpus().length} CPUs; wall median and min, least CPU time`,
    `${'measure'.padEnd(34)} ${'median'.padStart(11)} ${'min'.padStart(11)} ${'cpu'.padStart(11)}   ${'scipy'.padStart(10)}   goal`,
    row('kendallTauB, n = 10^6', kendall, 0, s('kendall'), '< 1000 ms'),
    row('weightedTau (defaults), n = 10^6', weighted, 0, s('weighted'), '< 1000 ms'),
    row('bootstrap, 1000 x tau, n = 10', boot, 1, s('bootstrap'), '< 20 ms'),
    `values: kendall tau ${kendallTauB(x, y).statistic} (scipy ${typeof scipy === 'string' ? 'n/a' : scipy.kendallValue}); ` +
      `weighted tau ${weightedTau(x, y).statistic} (scipy ${typeof scipy === 'string' ? 'n/a' : scipy.weightedValue})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
