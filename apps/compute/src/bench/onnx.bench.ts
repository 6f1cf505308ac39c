// tfjs-wasm against onnxruntime-node (CPU provider), end to end, per zoo model. Run: `npx nx bench compute`.
// Same real brain-tumor JPEGs for both, one run each after one warm-up batch: decode + preprocess
// (@transferscope/datasets, sharp) -> extractFeatures -> features (and head) read back as Float32Array.
// ONNX models are converted (and verified) once into $TRANSFERSCOPE_HOME/onnx (default: a temp folder)
// before timing. img/s = images / wall time; CPU ms/img = process CPU time (all threads: libvips, the
// onnxruntime worker, wasm) / images: the stable figure on a shared machine. Also printed: decoding alone
// (the same batch stream with no network), the floor under both runtimes' end-to-end CPU.
// onnxruntime threads: ONNX_BENCH_THREADS, default cores - 1 (the decoder keeps the remaining core busy).
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { dispose, tensor4d } from '@tensorflow/tfjs-core';
import { DatasetRegistry, iterateBatches, loadSplit, type Manifest, specFromZooInput } from '@transferscope/datasets';
import { selectBackend } from '../backends/select-backend';
import { extractFeatures } from '../extraction/extract-features';
import { type LoadedModel, loadZooModel } from '../models/load-model';
import { loadZooManifest } from '../models/zoo-manifest';
import { zooVerificationImages } from '../onnx/convert-zoo';
import { loadOnnxZooModel } from '../onnx/onnx-zoo';

const shared = process.env['TRANSFERSCOPE_SHARED'] ?? join(__dirname, '../../../../../shared');
const home = process.env['TRANSFERSCOPE_HOME'] ?? join(tmpdir(), 'transferscope-bench');
const BATCH = 16;
const FORWARD_BATCHES = 2;
const IMAGES = Number(process.env['ONNX_BENCH_IMAGES'] ?? 64);
const THREADS = Number(process.env['ONNX_BENCH_THREADS'] ?? Math.max(1, availableParallelism() - 1));
const backend = await selectBackend('wasm', { log: () => undefined });
const zoo = await loadZooManifest({ zoo: join(shared, 'zoo', 'models') });
const verifyImages = await zooVerificationImages(zoo);

const registry = DatasetRegistry.builtin({ sharedRoot: shared });
const test = await loadSplit(registry.get('brain_tumor_kaggle'), 'test');
const stride = Math.max(1, Math.floor(test.items.length / IMAGES));
const sample: Manifest = { ...test, items: test.items.filter((_, i) => i % stride === 0).slice(0, IMAGES) };

interface Row {
  ips: number;
  cpuMs: number;
}
type Runtime = 'tfjs' | 'onnx';
/** `${runtime} ${stage}` (and `decode`) -> figures, per model. */
const results = new Map<string, Partial<Record<`${Runtime} ${'e2e' | 'forward'}` | 'decode', Row>>>();
const loadAtStart = loadavg();

/** The forward pass alone: FORWARD_BATCHES batches of preprocessed random input, outputs read back. */
async function timedForward(m: LoadedModel): Promise<Row> {
  const [h, w, c] = m.inputShape;
  const [lo, hi] = m.entry.input.range;
  const images = new Float32Array(BATCH * h * w * c).map(() => lo + Math.random() * (hi - lo));
  const shape = [BATCH, h, w, c] as const;
  const once = async (): Promise<void> => {
    if (m.forwardArrays) {
      await m.forwardArrays(images, shape);
      return;
    }
    const x = tensor4d(images, [...shape]);
    const o = m.forward(x);
    await o.features.data();
    if (o.probabilities) await o.probabilities.data();
    dispose([x, o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
  };
  await once();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < FORWARD_BATCHES; i++) await once();
  const cpu = process.cpuUsage(c0);
  const n = BATCH * FORWARD_BATCHES;
  return { ips: n / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

/** Decoding and preprocessing alone: the batch stream of the end-to-end run, consumed with no network. */
async function timedDecode(spec: ReturnType<typeof specFromZooInput>): Promise<Row> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const b of iterateBatches(sample, { spec, batchSize: BATCH, concurrency: 4 })) {
    n += b.shape[0];
    b.release();
  }
  const cpu = process.cpuUsage(c0);
  return { ips: n / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

async function timed(m: LoadedModel): Promise<Row> {
  const spec = specFromZooInput(m.entry.input);
  // Warm-up: one batch (first-run allocations, lazy kernel setup) outside the timing.
  await extractFeatures(m, iterateBatches({ ...sample, items: sample.items.slice(0, BATCH) }, { spec, batchSize: BATCH }));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await extractFeatures(m, iterateBatches(sample, { spec, batchSize: BATCH, concurrency: 4 }), { total: sample.items.length });
  const cpu = process.cpuUsage(c0);
  return { ips: r.n / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / r.n };
}

describe(`end to end, ${sample.items.length} brain-tumor JPEGs, batch ${BATCH}: tfjs ${backend.name} (1 thread) vs onnxruntime-node cpu (${THREADS} threads)`, () => {
  for (const entry of zoo.models) {
    bench(
      entry.id,
      async () => {
        const row = results.get(entry.id) ?? {};
        results.set(entry.id, row);
        row['decode'] = await timedDecode(specFromZooInput(entry.input));
        const tfjs = await loadZooModel(entry);
        try {
          row['tfjs forward'] = await timedForward(tfjs);
          row['tfjs e2e'] = await timed(tfjs);
        } finally {
          tfjs.dispose();
        }
        const onnx = await loadOnnxZooModel(entry, { home, verifyImages, threads: THREADS });
        try {
          row['onnx forward'] = await timedForward(onnx);
          row['onnx e2e'] = await timed(onnx);
        } finally {
          onnx.dispose();
        }
      },
      { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
    );
  }
});

afterAll(() => {
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  const cell = (r: Row | undefined, k: keyof Row, d: number): string => (r ? r[k].toFixed(d) : '-');
  const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(1)}x` : '-');
  // One console.log: vitest interleaves separate calls with its own headers.
  const lines = [
    `\ntfjs ${backend.name}@${backend.version} simd=${backend.simd} 1 thread vs onnxruntime-node cpu ${THREADS} thread(s) in a worker; ${availableParallelism()} cores; load average at start ${load(loadAtStart)}, at end ${load(loadavg())}`,
  ];
  for (const stage of ['forward', 'e2e'] as const) {
    lines.push(stage === 'forward' ? `forward only, batch ${BATCH} x ${FORWARD_BATCHES}, random preprocessed input:` : `end to end (decode + preprocess + forward), ${sample.items.length} JPEGs, batch ${BATCH}:`);
    lines.push(
      `  ${'model'.padEnd(30)} ${'tfjs img/s'.padStart(10)} ${'onnx img/s'.padStart(10)} ${'speed-up'.padStart(8)} ${'tfjs CPU ms'.padStart(11)} ${'onnx CPU ms'.padStart(11)} ${'CPU ratio'.padStart(9)}${stage === 'e2e' ? ` ${'decode CPU ms'.padStart(13)}` : ''}`,
    );
    for (const [id, r] of results) {
      const t = r[`tfjs ${stage}`];
      const o = r[`onnx ${stage}`];
      lines.push(
        `  ${id.padEnd(30)} ${cell(t, 'ips', 1).padStart(10)} ${cell(o, 'ips', 1).padStart(10)} ${ratio(o?.ips, t?.ips).padStart(8)} ${cell(t, 'cpuMs', 2).padStart(11)} ${cell(o, 'cpuMs', 2).padStart(11)} ${ratio(t?.cpuMs, o?.cpuMs).padStart(9)}${stage === 'e2e' ? ` ${cell(r.decode, 'cpuMs', 2).padStart(13)}` : ''}`,
      );
    }
  }
  console.log(lines.join('\n'));
});
