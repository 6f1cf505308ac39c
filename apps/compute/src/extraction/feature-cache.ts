import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '../models/sha256';
import { type ZooInputSpec } from '../models/zoo-manifest';
import { ExtractionError } from './extraction-error';
import { type FeatureExtraction } from './extract-features';
import { PREPROCESSING_REVISION } from '@transferscope/datasets';
import { parseNpy, writeNpy } from '@transferscope/metrics';

/** What identifies a feature set: the model's weights, the dataset split and the preprocessing. */
export interface FeatureCacheKey {
  /** `ZooModel.weightsHash`. */
  weightsHash: string;
  /** The dataset manifest hash (`Manifest.hash` of @transferscope/datasets). */
  manifestHash: string;
  /** See {@link preprocessingHash}. */
  preprocessingHash: string;
}

/** What meta.json records beside the arrays. */
export interface FeatureCacheMeta {
  key: FeatureCacheKey;
  modelId: string;
  n: number;
  featureDim: number;
  numClasses: number | null;
  files: string[];
  seconds: number;
  /** Anything the caller wants kept with the arrays (backend info, versions). */
  provenance?: Record<string, unknown>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * sha256 of a model's preprocessing: its zoo input spec (canonical JSON) plus whatever else changes
 * the pixels (the datasets library's preprocessing version, decoder). Two runs share cached features
 * only when this matches.
 */
export function preprocessingHash(input: ZooInputSpec, extra: Record<string, unknown> = {}): string {
  return sha256Hex(canonicalJson({ input, revision: PREPROCESSING_REVISION, extra }));
}

/** The folder of one feature set: `<root>/features/<sha256 of the three key hashes>`. */
export function featureCacheDir(root: string, key: FeatureCacheKey): string {
  for (const [name, value] of Object.entries(key)) {
    if (!HEX64.test(value)) throw new ExtractionError('CACHE_KEY', `feature cache key ${name} must be a hex sha256, got "${value}"`);
  }
  return join(root, 'features', sha256Hex(`${key.weightsHash}\n${key.manifestHash}\n${key.preprocessingHash}\n`));
}

/**
 * Writes features.npy (N x D), labels.npy (N, int64), probabilities.npy and logits.npy (N x C) when
 * present, and meta.json, with the .npy writer of @transferscope/metrics, so its score commands read
 * them directly. That writer stores float64: the float32 values widen exactly and read back bit-equal. Written into a temporary folder that is renamed into
 * place, so a killed process never leaves a half-written feature set. Returns the folder.
 */
export async function writeFeatureCache(root: string, key: FeatureCacheKey, modelId: string, x: FeatureExtraction, provenance?: Record<string, unknown>): Promise<string> {
  const dir = featureCacheDir(root, key);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    const arrays: [string, Float32Array | Int32Array, number[], '<f8' | '<i8'][] = [
      ['features.npy', x.features, [x.n, x.featureDim], '<f8'],
      ['labels.npy', x.labels, [x.n], '<i8'],
    ];
    if (x.probabilities && x.numClasses) arrays.push(['probabilities.npy', x.probabilities, [x.n, x.numClasses], '<f8']);
    if (x.logits && x.numClasses) arrays.push(['logits.npy', x.logits, [x.n, x.numClasses], '<f8']);
    for (const [name, data, shape, descr] of arrays) await writeFile(join(tmp, name), writeNpy(data, shape, descr));
    const meta: FeatureCacheMeta = { key, modelId, n: x.n, featureDim: x.featureDim, numClasses: x.numClasses, files: arrays.map((a) => a[0]), seconds: x.seconds, ...(provenance ? { provenance } : {}) };
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

async function readArray(dir: string, name: string, shape: number[]): Promise<Float64Array> {
  let arr: ReturnType<typeof parseNpy>;
  try {
    arr = parseNpy(await readFile(join(dir, name)));
  } catch (e) {
    throw new ExtractionError('CACHE_CORRUPT', `unreadable ${join(dir, name)}: ${(e as Error).message}`, { cause: e });
  }
  if (arr.shape.join() !== shape.join()) {
    throw new ExtractionError('CACHE_CORRUPT', `${join(dir, name)} has shape [${arr.shape.join(', ')}], meta.json says [${shape.join(', ')}]`);
  }
  return arr.data;
}

/** The cached feature set for this key, or null when there is none. */
export async function readFeatureCache(root: string, key: FeatureCacheKey): Promise<(FeatureExtraction & { meta: FeatureCacheMeta }) | null> {
  const dir = featureCacheDir(root, key);
  let meta: FeatureCacheMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as FeatureCacheMeta;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ExtractionError('CACHE_CORRUPT', `unreadable ${join(dir, 'meta.json')}: ${(e as Error).message}`, { cause: e });
  }
  const { n, featureDim, numClasses } = meta;
  const has = (f: string): boolean => meta.files.includes(f);
  return {
    n,
    featureDim,
    numClasses,
    features: Float32Array.from(await readArray(dir, 'features.npy', [n, featureDim])),
    labels: Int32Array.from(await readArray(dir, 'labels.npy', [n])),
    probabilities: has('probabilities.npy') && numClasses ? Float32Array.from(await readArray(dir, 'probabilities.npy', [n, numClasses])) : null,
    logits: has('logits.npy') && numClasses ? Float32Array.from(await readArray(dir, 'logits.npy', [n, numClasses])) : null,
    seconds: meta.seconds,
    meta,
  };
}
