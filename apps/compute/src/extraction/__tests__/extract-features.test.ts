import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { labelsFromNpy, parseNpy } from '@transferscope/metrics';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, tensor4d } from '@tensorflow/tfjs-core';
import { selectBackend } from '../../backends/select-backend';
import { type LoadedModel, loadZooModel } from '../../models/load-model';
import { sha256Hex } from '../../models/sha256';
import { findZooModel, loadZooManifest } from '../../models/zoo-manifest';
import { DOG, GLIOMA, ZOO, decodeRgb, preprocess } from '../../models/__tests__/verify-images';
import { type ExtractionProgress, type ImageBatch, extractFeatures } from '../extract-features';
import { featureCacheDir, preprocessingHash, readFeatureCache, writeFeatureCache } from '../feature-cache';

let mobilenet: LoadedModel;
let darknet: LoadedModel;
/** Preprocessed [1, h, w, c] arrays of the dog and the glioma per model id. */
const pixels: Record<string, { dog: Float32Array; glioma: Float32Array }> = {};
let tmp: string;

async function prepare(model: LoadedModel): Promise<void> {
  const out: Record<string, Float32Array> = {};
  for (const [k, p] of Object.entries({ dog: DOG, glioma: GLIOMA })) {
    const rgb = await decodeRgb(p);
    const x = preprocess(rgb, model.entry.input);
    out[k] = (await x.data()) as Float32Array;
    dispose([rgb, x]);
  }
  pixels[model.entry.id] = { dog: out['dog'], glioma: out['glioma'] };
}

function batchOf(model: LoadedModel, imgs: Float32Array[], labels: number[]): ImageBatch {
  const size = imgs[0].length;
  const images = new Float32Array(size * imgs.length);
  imgs.forEach((a, i) => images.set(a, i * size));
  return { images, shape: [imgs.length, ...model.inputShape], labels };
}

/** dog, glioma, [glioma, dog]: 4 images in 3 batches of uneven size, labels 0..3. */
async function* threeBatches(model: LoadedModel, log?: string[]): AsyncGenerator<ImageBatch> {
  const { dog, glioma } = pixels[model.entry.id];
  const batches = [batchOf(model, [dog], [0]), batchOf(model, [glioma], [1]), batchOf(model, [glioma, dog], [2, 3])];
  for (let i = 0; i < batches.length; i++) {
    log?.push(`produce ${i}`);
    await new Promise((r) => setImmediate(r));
    yield batches[i];
  }
}

/** Features of one preprocessed image straight from the model, for comparison. */
async function direct(model: LoadedModel, img: Float32Array): Promise<Float32Array> {
  const x = tensor4d(img, [1, ...model.inputShape]);
  const o = model.forward(x);
  const f = (await o.features.data()) as Float32Array;
  dispose([x, o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
  return f;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

beforeAll(async () => {
  await selectBackend('wasm', { log: () => undefined });
  const zoo = await loadZooManifest({ zoo: ZOO });
  mobilenet = await loadZooModel(findZooModel(zoo, 'mobilenetv2-035-imagenet'));
  darknet = await loadZooModel(findZooModel(zoo, 'darknet-tiny-imagenet'));
  await prepare(mobilenet);
  await prepare(darknet);
  tmp = await mkdtemp(join(tmpdir(), 'ts-extract-'));
});

afterAll(async () => {
  mobilenet.dispose();
  darknet.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('extractFeatures', () => {
  it('collects features and labels in input order, independent of batching, with no tensor left behind', async () => {
    const before = memory().numTensors;
    const progress: ExtractionProgress[] = [];
    const r = await extractFeatures(mobilenet, threeBatches(mobilenet), { total: 4, onProgress: (p) => progress.push(p) });
    expect(memory().numTensors).toBe(before);
    expect(r.n).toBe(4);
    expect(r.features.length).toBe(4 * 1280);
    expect(Array.from(r.labels)).toEqual([0, 1, 2, 3]);
    expect(r.probabilities).toBeNull();
    expect(r.logits).toBeNull();
    const dog = await direct(mobilenet, pixels[mobilenet.entry.id].dog);
    const glioma = await direct(mobilenet, pixels[mobilenet.entry.id].glioma);
    const row = (i: number): Float32Array => r.features.subarray(i * 1280, (i + 1) * 1280);
    expect(maxAbsDiff(row(0), dog)).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(1), glioma)).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(2), glioma)).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(3), dog)).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(0), row(1))).toBeGreaterThan(1e-2);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 4]);
    expect(progress.every((p) => p.total === 4 && p.imagesPerSecond > 0)).toBe(true);
    expect(progress[2].etaSeconds).toBe(0);
    // A second run allocates and frees the same way: memory is bounded by one batch.
    await extractFeatures(mobilenet, threeBatches(mobilenet));
    expect(memory().numTensors).toBe(before);
  });

  it('asks for the next batch before running the current one, so decoding overlaps the forward pass', async () => {
    const log: string[] = [];
    await extractFeatures(mobilenet, threeBatches(mobilenet, log), { onProgress: (p) => log.push(`done ${p.done}`) });
    expect(log).toEqual(['produce 0', 'produce 1', 'done 1', 'produce 2', 'done 2', 'done 4']);
  });

  it('keeps raw logits and their softmax for a head that outputs logits (darknet)', async () => {
    const r = await extractFeatures(darknet, threeBatches(darknet));
    const C = 1000;
    expect(r.numClasses).toBe(C);
    expect(r.logits?.length).toBe(4 * C);
    expect(r.probabilities?.length).toBe(4 * C);
    for (let i = 0; i < 4; i++) {
      const l = Array.from(r.logits?.subarray(i * C, (i + 1) * C) ?? []);
      const m = Math.max(...l);
      const e = l.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      expect(maxAbsDiff(e.map((v) => v / s), r.probabilities?.subarray(i * C, (i + 1) * C) ?? [])).toBeLessThan(1e-6);
    }
  });

  it('refuses bad batches with specific errors and closes the source', async () => {
    const { dog } = pixels[mobilenet.entry.id];
    const good = batchOf(mobilenet, [dog], [0]);
    let closed = false;
    async function* source(bad: ImageBatch): AsyncGenerator<ImageBatch> {
      try {
        yield good;
        yield bad;
        yield good;
      } finally {
        closed = true;
      }
    }
    const before = memory().numTensors;
    await expect(extractFeatures(mobilenet, source({ ...good, shape: [1, 112, 112, 3] }))).rejects.toMatchObject({ code: 'BATCH_SHAPE', message: expect.stringContaining('batch 1') });
    expect(closed).toBe(true);
    await expect(extractFeatures(mobilenet, [{ ...good, labels: [0, 1] }])).rejects.toMatchObject({ code: 'LABELS_LENGTH' });
    await expect(extractFeatures(mobilenet, [{ ...good, images: dog.subarray(1) }])).rejects.toMatchObject({ code: 'BATCH_SHAPE' });
    await expect(extractFeatures(mobilenet, [good], { maxBatchBytes: 1024 })).rejects.toMatchObject({ code: 'BATCH_TOO_LARGE' });
    await expect(extractFeatures(mobilenet, [])).rejects.toMatchObject({ code: 'EMPTY' });
    expect(memory().numTensors).toBe(before);
  });
});

describe('feature cache', () => {
  it('writes features, probabilities, logits and labels as .npy and reads them back identically', async () => {
    const r = await extractFeatures(darknet, threeBatches(darknet));
    const key = { weightsHash: darknet.entry.weightsHash, manifestHash: sha256Hex('a split'), preprocessingHash: preprocessingHash(darknet.entry.input) };
    expect(await readFeatureCache(tmp, key)).toBeNull();
    const dir = await writeFeatureCache(tmp, key, darknet.entry.id, r, { backend: 'wasm' });
    expect(dir).toBe(featureCacheDir(tmp, key));
    expect((await readdir(dir)).sort()).toEqual(['features.npy', 'labels.npy', 'logits.npy', 'meta.json', 'probabilities.npy']);
    // Nothing but the final folder is left in the cache.
    expect(await readdir(join(tmp, 'features'))).toHaveLength(1);
    const back = await readFeatureCache(tmp, key);
    expect(back?.meta.modelId).toBe('darknet-tiny-imagenet');
    expect(back?.meta.provenance).toEqual({ backend: 'wasm' });
    expect(Array.from(back?.features ?? [])).toEqual(Array.from(r.features));
    expect(Array.from(back?.probabilities ?? [])).toEqual(Array.from(r.probabilities ?? []));
    expect(Array.from(back?.logits ?? [])).toEqual(Array.from(r.logits ?? []));
    expect(Array.from(back?.labels ?? [])).toEqual([0, 1, 2, 3]);
    // The arrays are plain NumPy files the metrics library reads directly.
    const features = parseNpy(await readFile(join(dir, 'features.npy')));
    expect(features.shape).toEqual([4, 128]);
    expect(labelsFromNpy(parseNpy(await readFile(join(dir, 'labels.npy'))))).toEqual(Int32Array.from([0, 1, 2, 3]));
    // A damaged file is reported, not silently used.
    await writeFile(join(dir, 'features.npy'), (await readFile(join(dir, 'features.npy'))).subarray(0, 200));
    await expect(readFeatureCache(tmp, key)).rejects.toMatchObject({ code: 'CACHE_CORRUPT' });
  });

  it('keys differ by weights, split and preprocessing; malformed keys are refused', () => {
    const key = { weightsHash: mobilenet.entry.weightsHash, manifestHash: sha256Hex('split'), preprocessingHash: preprocessingHash(mobilenet.entry.input) };
    const dirs = new Set([
      featureCacheDir(tmp, key),
      featureCacheDir(tmp, { ...key, weightsHash: darknet.entry.weightsHash }),
      featureCacheDir(tmp, { ...key, manifestHash: sha256Hex('other split') }),
      featureCacheDir(tmp, { ...key, preprocessingHash: preprocessingHash({ ...mobilenet.entry.input, scale: 1 / 127 }) }),
      featureCacheDir(tmp, { ...key, preprocessingHash: preprocessingHash(mobilenet.entry.input, { decoder: 'sharp' }) }),
    ]);
    expect(dirs.size).toBe(5);
    // Key order of the spec does not matter.
    const reordered = Object.fromEntries(Object.entries(mobilenet.entry.input).reverse()) as typeof mobilenet.entry.input;
    expect(preprocessingHash(reordered)).toBe(key.preprocessingHash);
    expect(() => featureCacheDir(tmp, { ...key, manifestHash: 'abc' })).toThrow(/manifestHash must be a hex sha256/);
  });
});

