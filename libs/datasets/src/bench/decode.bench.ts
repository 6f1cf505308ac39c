// Decode throughput on the real brain-tumor JPEGs: read + decode + resize (shorter side 256) +
// centre crop 224 + float32 NHWC, through the public batch iterator. Run: `npx nx bench datasets`
// (vitest bench, from the sources, no build). Images/s = images per run / mean run time; also printed.
import { afterAll, bench, describe } from 'vitest';
import { iterateBatches } from '../image/batches';
import { STUDY_EVAL_SPEC } from '../image/spec';
import { loadSplit } from '../manifest/definition';
import { DatasetRegistry } from '../registry/registry';
import { type Manifest } from '../types';

const shared = process.env['TRANSFERSCOPE_SHARED'] ?? '../../../shared';
const registry = DatasetRegistry.builtin({ sharedRoot: shared });
const full = await loadSplit(registry.get('brain_tumor_kaggle'), 'train');
// 400 images spread over all classes and sizes.
const step = Math.floor(full.items.length / 400);
const sample: Manifest = { ...full, items: full.items.filter((_, i) => i % step === 0).slice(0, 400) };
const rates: Record<string, { wall: number; cpuMs: number }[]> = {};

// CPU time per image is reported too: on a shared machine the wall rate drops with others' load,
// CPU ms per image much less (2 cores / CPU time = the rate this machine gives when it is ours).
async function run(name: string, concurrency: number): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  for await (const b of iterateBatches(sample, { spec: STUDY_EVAL_SPEC, batchSize: 32, concurrency })) n += b.shape[0];
  const cpu = process.cpuUsage(c0);
  (rates[name] ??= []).push({ wall: n / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / n });
}

describe(`decode+resize+crop 224 float32, ${sample.items.length} brain-tumor JPEGs per run`, () => {
  for (const c of [2, 4]) bench(`concurrency ${c}`, () => run(`concurrency ${c}`, c), { iterations: 3, time: 0, warmupIterations: 0, warmupTime: 0 });
});

afterAll(() => {
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  for (const [name, r] of Object.entries(rates)) {
    const wall = median(r.map((x) => x.wall));
    const cpuMs = median(r.map((x) => x.cpuMs));
    console.log(`${name}: median ${wall.toFixed(0)} images/s wall, ${cpuMs.toFixed(2)} CPU ms/image (2-core bound ${(2000 / cpuMs).toFixed(0)} images/s), ${r.length} runs`);
  }
});
