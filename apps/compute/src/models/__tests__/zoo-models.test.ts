import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buffer, dispose, memory, type Tensor3D, type Tensor4D } from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../backends/select-backend';
import { type ForwardOutputs, type LoadedModel, loadZooModel } from '../load-model';
import { verifiedModelHandler } from '../verified-io-handler';
import { findZooModel, loadZooManifest, type ZooManifest, type ZooModel } from '../zoo-manifest';
import { DOG, GLIOMA, ZOO, decodeRgb, preprocess } from './verify-images';

/*
 * The checks of the zoo's own verify-zoo.mjs, run through this package's loader: every model loads
 * from sha256-verified files, has the recorded parameter count and feature/head shapes, and gives the
 * semantically right answers on the zoo's verification images.
 */

interface Outputs {
  features: number[];
  probabilities: number[] | null;
  logits: number[] | null;
  featureShape: number[];
  headShape: number[] | null;
}

let zoo: ZooManifest;
let images: { dog: Tensor3D; glioma: Tensor3D };
const readLines = (p: string): string[] => readFileSync(p, 'utf8').replace(/\n$/, '').split('\n');
const argsortDesc = (a: number[]): number[] => [...a.keys()].sort((i, j) => a[j] - a[i]);
const softmax64 = (l: number[]): number[] => {
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
};

async function run(model: LoadedModel, x: Tensor4D): Promise<Outputs> {
  const o: ForwardOutputs = model.forward(x);
  try {
    return {
      features: Array.from(await o.features.data()),
      probabilities: o.probabilities ? Array.from(await o.probabilities.data()) : null,
      logits: o.logits ? Array.from(await o.logits.data()) : null,
      featureShape: o.features.shape,
      headShape: o.probabilities?.shape ?? null,
    };
  } finally {
    dispose([o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
  }
}

/** Loads a model, runs both verification images, checks the shape/finiteness contract, frees it. */
async function check(id: string, extra?: (m: LoadedModel, entry: ZooModel, out: { dog: Outputs; glioma: Outputs }, inputs: { dog: Tensor4D; glioma: Tensor4D }) => Promise<void>): Promise<void> {
  const entry = findZooModel(zoo, id);
  const before = memory().numTensors;
  const model = await loadZooModel(entry);
  const inputs = { dog: preprocess(images.dog, entry.input), glioma: preprocess(images.glioma, entry.input) };
  try {
    expect(model.params).toBe(entry.params);
    expect(model.featureDim).toBe(entry.featureDim);
    const out = { dog: await run(model, inputs.dog), glioma: await run(model, inputs.glioma) };
    for (const o of Object.values(out)) {
      expect(o.featureShape).toEqual([1, entry.featureDim]);
      expect(o.features.every(Number.isFinite)).toBe(true);
      if (entry.logits) {
        expect(o.headShape).toEqual([1, entry.logits.numClasses]);
        const p = o.probabilities ?? [];
        expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
        expect(Math.abs(p.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-4);
        // Raw logits are kept only where the head exposes them; their softmax is the probability output.
        expect(o.logits === null).toBe(entry.logits.outputIsProbability);
        if (o.logits) softmax64(o.logits).forEach((v, i) => expect(Math.abs(v - p[i])).toBeLessThan(1e-5));
      } else {
        expect(o.probabilities).toBeNull();
      }
    }
    if (extra) await extra(model, entry, out, inputs);
  } finally {
    dispose(Object.values(inputs));
    model.dispose();
  }
  // Loading, running and disposing a model leaves no tensor behind.
  expect(memory().numTensors).toBe(before);
}

beforeAll(async () => {
  await selectBackend('wasm', { log: () => undefined });
  zoo = await loadZooManifest({ zoo: ZOO });
  images = { dog: await decodeRgb(DOG), glioma: await decodeRgb(GLIOMA) };
});

afterAll(() => dispose(Object.values(images)));

describe('zoo models on wasm (verify-zoo checks)', () => {
  it('darknet-tiny-imagenet: dog top-5 are dog breeds; logits = W * GAP(feature) + b', async () => {
    await check('darknet-tiny-imagenet', async (_m, entry, out) => {
      const dir = join(ZOO, entry.id);
      const wnids = readLines(join(dir, entry.logits?.classIdsFile ?? ''));
      const sorted = [...wnids].sort();
      // ImageNet-1k's dog breeds are the synsets n02085620 .. n02113978 (sorted-wnid indices 151-268).
      expect([sorted[151], sorted[268]]).toEqual(['n02085620', 'n02113978']);
      const dogs = new Set(sorted.slice(151, 269));
      const logits = out.dog.logits ?? [];
      expect(argsortDesc(logits).slice(0, 5).every((i) => dogs.has(wnids[i]))).toBe(true);
      // Independent computation from the classifier's own weights, in float64.
      const net = await loadLayersModel(verifiedModelHandler(entry));
      const [W, b] = net.getLayer('conv2d_16').getWeights();
      const w = await W.data();
      const bias = await b.data();
      const C = entry.logits?.numClasses ?? 0;
      let maxDiff = 0;
      for (let c = 0; c < C; c++) {
        let s = bias[c];
        for (let d = 0; d < entry.featureDim; d++) s += out.dog.features[d] * w[d * C + c];
        maxDiff = Math.max(maxDiff, Math.abs(s - logits[c]));
      }
      net.dispose();
      expect(maxDiff).toBeLessThan(1e-3);
    });
  });

  it('mobilenetv2-035-imagenet: headless, 1280-d features; tm-mobilenetv2-035-braintumor: glioma is a tumor, same backbone features', async () => {
    const base = await loadZooModel(findZooModel(zoo, 'mobilenetv2-035-imagenet'));
    try {
      await check('mobilenetv2-035-imagenet');
      await check('tm-mobilenetv2-035-braintumor', async (_m, entry, out, inputs) => {
        const names = readLines(join(ZOO, entry.id, entry.logits?.classesFile ?? ''));
        expect(names[argsortDesc(out.glioma.probabilities ?? [])[0]]).toBe('Brain Tumor Detect...');
        // The head was trained on the frozen ImageNet base: same input, same features.
        const fb = await run(base, inputs.glioma);
        const diff = Math.max(...fb.features.map((v, i) => Math.abs(v - out.glioma.features[i])));
        expect(diff).toBeLessThan(1e-5);
      });
    } finally {
      base.dispose();
    }
  });

  it('doodlenet-quickdraw345: a drawn square is a picture_frame or square', async () => {
    await check('doodlenet-quickdraw345', async (m, entry) => {
      const size = 280;
      const b = buffer([size, size, 3], 'int32');
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const d = Math.max(Math.abs(x - size / 2), Math.abs(y - size / 2));
          for (let c = 0; c < 3; c++) b.set(d > 76 && d < 100 ? 0 : 255, y, x, c);
        }
      }
      const img = b.toTensor() as Tensor3D;
      const x = preprocess(img, entry.input);
      const o = await run(m, x);
      dispose([img, x]);
      const names = readLines(join(ZOO, entry.id, entry.logits?.classesFile ?? ''));
      const top3 = argsortDesc(o.probabilities ?? []).slice(0, 3).map((i) => names[i]);
      expect(top3.includes('picture_frame') || top3.includes('square')).toBe(true);
    });
  });

  it.each(['nsfwjs-mobilenetv2', 'nsfwjs-inceptionv3'])('%s: the dog is Neutral', async (id) => {
    await check(id, async (_m, entry, out) => {
      const names = readLines(join(ZOO, entry.id, entry.logits?.classesFile ?? ''));
      expect(names[argsortDesc(out.dog.probabilities ?? [])[0]]).toBe('Neutral');
    });
  });

  it('nsfwjs-mobilenetv2-mid (graph): the dog is Neutral; softmax of the logits node equals the model output node', async () => {
    await check('nsfwjs-mobilenetv2-mid', async (_m, entry, out, inputs) => {
      const names = readLines(join(ZOO, entry.id, entry.logits?.classesFile ?? ''));
      expect(names[argsortDesc(out.dog.probabilities ?? [])[0]]).toBe('Neutral');
      const net = await loadGraphModel(verifiedModelHandler(entry));
      const t = net.execute(inputs.dog, entry.logits?.probabilityNode ?? 'Identity');
      const prob = Array.from(await (Array.isArray(t) ? t[0] : t).data());
      dispose(t);
      net.dispose();
      prob.forEach((v, i) => expect(Math.abs(v - (out.dog.probabilities ?? [])[i])).toBeLessThan(1e-5));
    });
  });

  it('refuses an input of the wrong size with a specific error', async () => {
    const model = await loadZooModel(findZooModel(zoo, 'doodlenet-quickdraw345'));
    const x = preprocess(images.dog, findZooModel(zoo, 'mobilenetv2-035-imagenet').input);
    expect(() => model.forward(x)).toThrow(/expects \[batch, 28, 28, 1\] inputs, got \[1, 224, 224, 3\]/);
    dispose(x);
    model.dispose();
  });

  it('a wrong tap name in the manifest is LAYER_NOT_FOUND', async () => {
    const entry = { ...findZooModel(zoo, 'doodlenet-quickdraw345'), featureLayer: 'no_such_layer' };
    await expect(loadZooModel(entry)).rejects.toMatchObject({ code: 'LAYER_NOT_FOUND' });
    const wrongDim = { ...findZooModel(zoo, 'doodlenet-quickdraw345'), featureDim: 256, featureLayerOutputShape: [null, 256] };
    await expect(loadZooModel(wrongDim)).rejects.toMatchObject({ code: 'TAP_SHAPE_MISMATCH' });
  });
});
