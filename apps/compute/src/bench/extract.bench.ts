// Extraction throughput on the wasm backend. Run: `npx nx bench compute` (vitest bench, from the
// sources through the shared SWC config: no build needed).
// 1. forward: every zoo model, batch 16 of preprocessed random input (feature + head taps, tensors read back).
// 2. end to end: real brain-tumor JPEGs -> @transferscope/datasets batch stream (decode, resize, normalise)
//    -> extractFeatures (prefetching the next batch while the current one runs) for the small models.
// img/s = images / wall time of one run; CPU ms/img = process CPU time (all threads, libvips included) /
// images, the figure that stays stable on a shared machine. Medians over the runs after the warm-up
// are printed with the load average.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { dispose, randomUniform, type Tensor4D } from '@tensorflow/tfjs-core';
import { DatasetRegistry, iterateBatches, loadSplit, type Manifest, specFromZooInput } from '@transferscope/datasets';
import { selectBackend } from '../backends/select-backend';
import { extractFeatures } from '../extraction/extract-features';
import { type LoadedModel, loadZooModel } from '../models/load-model';
import { findZooModel, loadZooManifest } from '../models/zoo-manifest';

const shared = process.env['TRANSFERSCOPE_SHARED'] ?? join(__dirname, '../../../../../shared');
const BATCH = 16;
const backend = await selectBackend('wasm');
const zoo = await loadZooManifest({ zoo: join(shared, 'zoo', 'models') });
const rates: Record<string, { ips: number; cpuMs: number }[]> = {};
const loaded = new Map<string, LoadedModel>();

async function model(id: string, foldBatchNorm = true): Promise<LoadedModel> {
  const key = `${id}${foldBatchNorm ? '' : ' (no rewrite)'}`;
  let m = loaded.get(key);
  if (!m) {
    m = await loadZooModel(findZooModel(zoo, id), { foldBatchNorm });
    loaded.set(key, m);
  }
  return m;
}

/** Starts a measurement; the returned function records it. */
function measure(name: string): (images: number) => void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return (images) => {
    const cpu = process.cpuUsage(c0);
    (rates[name] ??= []).push({ ips: images / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / images });
  };
}

// Slow models get fewer runs so that the whole bench stays within a few minutes on 2 shared cores.
const runs = (id: string): number => (id === 'nsfwjs-inceptionv3' ? 2 : 5);

// The last case is the baseline of the load-time rewrite (BatchNorm folding + fused conv kernels), side by side.
const forwardCases = [...zoo.models.map((e) => ({ entry: e, fold: true })), { entry: findZooModel(zoo, 'mobilenetv2-035-imagenet'), fold: false }];

describe(`forward, batch ${BATCH}, preprocessed random input, ${backend.name} (${backend.threads} thread, simd=${backend.simd})`, () => {
  for (const { entry, fold } of forwardCases) {
    const name = `${entry.id}${fold ? '' : ' (no rewrite)'}`;
    bench(
      name,
      async () => {
        const m = await model(entry.id, fold);
        const x = randomUniform([BATCH, ...m.inputShape], entry.input.range[0], entry.input.range[1]) as Tensor4D;
        const done = measure(`forward ${name}`);
        const o = m.forward(x);
        await o.features.data();
        if (o.probabilities) await o.probabilities.data();
        done(BATCH);
        dispose([x, o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
      },
      { iterations: runs(entry.id), time: 0, warmupIterations: 1, warmupTime: 0 },
    );
  }
});

const registry = DatasetRegistry.builtin({ sharedRoot: shared });
const test = await loadSplit(registry.get('brain_tumor_kaggle'), 'test');
// 240 test images spread over the four classes.
const stride = Math.max(1, Math.floor(test.items.length / 240));
const sample: Manifest = { ...test, items: test.items.filter((_, i) => i % stride === 0).slice(0, 240) };

describe(`end to end: ${sample.items.length} brain-tumor JPEGs, decode + preprocess (sharp) + forward, batch ${BATCH}`, () => {
  for (const id of ['mobilenetv2-035-imagenet', 'doodlenet-quickdraw345']) {
    bench(
      id,
      async () => {
        const m = await model(id);
        const done = measure(`end-to-end ${id}`);
        const stream = iterateBatches(sample, { spec: specFromZooInput(m.entry.input), batchSize: BATCH, concurrency: 4 });
        const r = await extractFeatures(m, stream, { total: sample.items.length });
        done(r.n);
      },
      { iterations: 3, time: 0, warmupIterations: 1, warmupTime: 0 },
    );
  }
});

afterAll(() => {
  console.log(`\nimg/s (median of runs after warm-up; backend ${backend.name}@${backend.version}, ${backend.threads} thread, simd=${backend.simd}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  for (const [name, r] of Object.entries(rates)) {
    const measured = r.length > 1 ? r.slice(1) : r; // the first run is the warm-up
    const ips = median(measured.map((x) => x.ips));
    const cpu = median(measured.map((x) => x.cpuMs));
    console.log(`  ${name.padEnd(44)} ${ips.toFixed(1).padStart(7)} img/s  ${cpu.toFixed(2).padStart(7)} CPU ms/img  (${measured.length} runs)`);
  }
  for (const m of loaded.values()) m.dispose();
});
