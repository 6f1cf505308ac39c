// Extraction throughput on the wasm backend. Run: `npx nx bench compute` (vitest bench, from the
// sources through the shared SWC config: no build needed).
// 1. forward: every zoo model, batch 16 of preprocessed random input (feature + head taps, tensors read back).
// 2. end to end: real brain-tumor JPEGs -> @transferscope/datasets batch stream (decode, resize, normalise)
//    -> extractFeatures (prefetching the next batch while the current one runs) for the small models.
// img/s = images / wall time of one run; the median over the runs is printed with the machine's load.
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
const rates: Record<string, number[]> = {};
const loaded = new Map<string, LoadedModel>();

async function model(id: string): Promise<LoadedModel> {
  let m = loaded.get(id);
  if (!m) {
    m = await loadZooModel(findZooModel(zoo, id));
    loaded.set(id, m);
  }
  return m;
}

function record(name: string, images: number, t0: number): void {
  (rates[name] ??= []).push(images / ((performance.now() - t0) / 1000));
}

// Slow models get fewer runs so that the whole bench stays within a few minutes on 2 shared cores.
const runs = (id: string): number => (id === 'nsfwjs-inceptionv3' ? 2 : 4);

describe(`forward, batch ${BATCH}, preprocessed random input, ${backend.name} (${backend.threads} thread, simd=${backend.simd})`, () => {
  for (const entry of zoo.models) {
    bench(
      entry.id,
      async () => {
        const m = await model(entry.id);
        const x = randomUniform([BATCH, ...m.inputShape], entry.input.range[0], entry.input.range[1]) as Tensor4D;
        const t0 = performance.now();
        const o = m.forward(x);
        await o.features.data();
        if (o.probabilities) await o.probabilities.data();
        record(`forward ${entry.id}`, BATCH, t0);
        dispose([x, o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
      },
      { iterations: runs(entry.id), time: 0, warmupIterations: 1, warmupTime: 0 },
    );
  }
});

const registry = DatasetRegistry.builtin({ sharedRoot: shared });
const test = await loadSplit(registry.get('brain_tumor_kaggle'), 'test');
const sample: Manifest = { ...test, items: test.items.slice(0, 320) };

describe(`end to end: ${sample.items.length} brain-tumor JPEGs, decode + preprocess (sharp) + forward, batch ${BATCH}`, () => {
  for (const id of ['mobilenetv2-035-imagenet', 'tm-mobilenetv2-035-braintumor', 'doodlenet-quickdraw345']) {
    bench(
      id,
      async () => {
        const m = await model(id);
        const t0 = performance.now();
        const stream = iterateBatches(sample, { spec: specFromZooInput(m.entry.input), batchSize: BATCH, concurrency: 4 });
        const r = await extractFeatures(m, stream, { total: sample.items.length });
        record(`end-to-end ${id}`, r.n, t0);
      },
      { iterations: 3, time: 0, warmupIterations: 1, warmupTime: 0 },
    );
  }
});

afterAll(() => {
  console.log(`\nimg/s (median of runs after warm-up; backend ${backend.name}@${backend.version}, ${backend.threads} thread, simd=${backend.simd}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  for (const [name, r] of Object.entries(rates)) {
    const measured = r.slice(1); // the first run is the warm-up
    const sorted = [...(measured.length ? measured : r)].sort((a, b) => a - b);
    console.log(`  ${name.padEnd(48)} ${sorted[Math.floor(sorted.length / 2)].toFixed(1).padStart(7)} img/s  (${sorted.length} runs)`);
  }
  for (const m of loaded.values()) m.dispose();
});
