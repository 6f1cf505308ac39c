/**
 * Benchmark of the registered scores (all, or those named by --metrics) through scoreAll on synthetic ReLU-like
 * features (issue 4's sizes):
 * (a) N=2000, D=512, C=4; (b) N=5000, D=1024, C=8; (c) N=10000, D=2048, C=2; Cs=1000 source classes; median of 3 runs.
 *
 * Run without a build: `npx nx run metrics:bench` (= `npx vite-node src/bench/metrics.bench.ts` in libs/metrics).
 * Arguments: case names to run (default a b c); `--metrics <ids>` times only those registered metrics (comma-separated,
 * e.g. `--metrics sfda,parc,transrate`; default all); `--write-npy <dir>` also writes each case's inputs as .npy files so
 * the reference Python scorers can be timed on identical data. Prints one JSON line per case; RSS is the process's peak
 * so far.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../io/npy';
import { parseMetricList } from '../io/score-files';
import { scoreAll } from '../score-all';
import { syntheticInput } from '../synthetic';

const CASES: Record<string, { n: number; d: number; classes: number; sourceClasses: number }> = {
  a: { n: 2000, d: 512, classes: 4, sourceClasses: 1000 },
  b: { n: 5000, d: 1024, classes: 8, sourceClasses: 1000 },
  c: { n: 10000, d: 2048, classes: 2, sourceClasses: 1000 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const w = args.indexOf('--write-npy');
  const npyDir = w >= 0 ? args[w + 1] : undefined;
  const mi = args.indexOf('--metrics');
  const metricIds = mi >= 0 ? parseMetricList(args[mi + 1] ?? '') : 'all';
  const names = args.filter((a, i) => a in CASES && !(w >= 0 && i === w + 1) && !(mi >= 0 && i === mi + 1));
  const runs = Number(process.env['BENCH_RUNS'] ?? 3);
  for (const name of names.length > 0 ? names : Object.keys(CASES)) {
    const c = CASES[name];
    const input = syntheticInput({ ...c, separation: 3, latentDims: 32, noise: 0.5, seed: 2024 });
    if (npyDir) {
      mkdirSync(npyDir, { recursive: true });
      writeFileSync(join(npyDir, `${name}_features.npy`), writeNpy(input.features.data, [c.n, c.d]));
      writeFileSync(join(npyDir, `${name}_labels.npy`), writeNpy(input.labels, [c.n], '<i8'));
      writeFileSync(join(npyDir, `${name}_predictions.npy`), writeNpy(input.sourceProbabilities.data, [c.n, c.sourceClasses]));
    }
    const totals: number[] = [];
    const cpu: number[] = [];
    let last: Awaited<ReturnType<typeof scoreAll>> | undefined;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      last = await scoreAll(input, metricIds);
      totals.push((performance.now() - t0) / 1000);
      const c1 = process.cpuUsage(c0);
      cpu.push((c1.user + c1.system) / 1e6);
    }
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    console.log(
      JSON.stringify({
        case: name,
        ...c,
        medianSeconds: Number(median(totals).toFixed(3)),
        runs: totals.map((t) => Number(t.toFixed(3))),
        // CPU seconds (all threads) are steadier than wall time on a shared machine.
        medianCpuSeconds: Number(median(cpu).toFixed(3)),
        peakRssMiB: Math.round(rssMiB),
        secondsPerMetric: Object.fromEntries(Object.entries(last?.seconds ?? {}).map(([k, v]) => [k, Number(v.toFixed(3))])),
        nleep: last?.diagnostics['nleep'],
        values: last?.values,
      }),
    );
  }
}

void main();
