import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dispose, io } from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { loadZooModel, type LoadedModel } from '../models/load-model';
import { type ModelFileOptions } from '../models/model-files';
import { sha256Hex } from '../models/sha256';
import { verifiedModelHandler } from '../models/verified-io-handler';
import { type ZooModel } from '../models/zoo-manifest';
import { CONVERTER_VERSION, type ConversionReport, convertLayersModel } from './convert-layers';
import { OnnxError } from './onnx-error';
import { loadOnnxModel, type OnnxProvider } from './onnx-model';
import { encodeModel, type OnnxModel } from './onnx-schema';
import { convertGraphModel, type GraphWeights, type TfNode } from './convert-graph';
import { imageBatch, ONNX_TOLERANCE, type VerificationErrors, verifyOnnxModel } from './verify-onnx';

/** Options of {@link convertZooModel} and {@link loadOnnxZooModel}. */
export interface OnnxZooOptions extends ModelFileOptions {
  /** TRANSFERSCOPE_HOME: conversions are cached in `<home>/onnx/<weightsHash>.onnx`. */
  home: string;
  /** Real images to verify a new conversion on (at least one; decoded with the model's zoo preprocessing). */
  verifyImages: readonly string[];
  /** Convert again even when a verified conversion is cached. */
  force?: boolean;
  /** Intra-op threads of onnxruntime (default: all cores). */
  threads?: number;
  provider?: OnnxProvider;
  log?: (line: string) => void;
}

/** A cached, verified conversion. */
export interface OnnxConversion {
  path: string;
  bytes: number;
  /** sha256 of the .onnx file, checked whenever the cached file is loaded. */
  sha256: string;
  /** True when it came from the cache. */
  cached: boolean;
  converterVersion: string;
  report: ConversionReport;
  /** Max relative error of each tap against tfjs on the verification images. */
  verification: VerificationErrors;
  verifiedOn: string[];
  /** Seconds spent converting and verifying now (0 when cached). */
  seconds: number;
}

/** Where a zoo model's conversion lives (keyed by the sha256 of its verified source files). */
export function onnxCachePath(home: string, entry: ZooModel): { onnx: string; meta: string } {
  const dir = join(home, 'onnx');
  return { onnx: join(dir, `${entry.weightsHash}.onnx`), meta: join(dir, `${entry.weightsHash}.json`) };
}

async function readCached(entry: ZooModel, home: string): Promise<OnnxConversion | null> {
  const paths = onnxCachePath(home, entry);
  let meta: OnnxConversion;
  try {
    meta = JSON.parse(await readFile(paths.meta, 'utf8')) as OnnxConversion;
  } catch {
    return null;
  }
  const ok = meta.converterVersion === CONVERTER_VERSION && Object.values(meta.verification ?? {}).every((e) => e <= ONNX_TOLERANCE);
  return ok ? { ...meta, path: paths.onnx, cached: true, seconds: 0 } : null;
}

async function convertLayers(entry: ZooModel, options: ModelFileOptions): Promise<{ model: OnnxModel; report: ConversionReport }> {
  const net = await loadLayersModel(verifiedModelHandler(entry, options));
  try {
    const head = entry.logits ? { layer: entry.logits.layer, outputIsProbability: entry.logits.outputIsProbability } : null;
    return convertLayersModel(net, { featureLayer: entry.featureLayer, featurePooling: entry.featurePooling, head }, entry.id);
  } finally {
    net.dispose();
  }
}

async function convertGraph(entry: ZooModel, options: ModelFileOptions): Promise<{ model: OnnxModel; report: ConversionReport }> {
  const artifacts = await (verifiedModelHandler(entry, options).load as () => Promise<io.ModelArtifacts>)();
  const nodes = (artifacts.modelTopology as { node?: TfNode[] } | undefined)?.node;
  if (!nodes || !artifacts.weightSpecs || !artifacts.weightData) throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id}: not a tfjs graph model (no nodes or weights)`);
  // decodeWeights dequantises the uint8 shards exactly as tfjs does when it loads the model.
  const tensors = io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const weights: GraphWeights = new Map();
  try {
    for (const [name, t] of Object.entries(tensors)) weights.set(name, { data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] });
  } finally {
    dispose(Object.values(tensors));
  }
  if (entry.featurePooling !== 'none') throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id}: feature pooling ${entry.featurePooling} on a graph model`);
  const head = entry.logits ? { node: entry.logits.layer, outputIsProbability: entry.logits.outputIsProbability } : null;
  return convertGraphModel(nodes, weights, { featureNode: entry.featureLayer, head }, entry.id);
}

/**
 * Converts a tfjs-layers or tfjs-graph zoo model to ONNX (see {@link convertLayersModel}), verifies it against the tfjs
 * model on real images (every tap within {@link ONNX_TOLERANCE}, else `VERIFICATION_FAILED` and nothing is
 * cached), and caches it as `<home>/onnx/<weightsHash>.onnx` with a `.json` sidecar (converter version,
 * report, errors). A cached conversion of the same converter version is reused. Uses the current tfjs backend
 * for the reference (and to dequantise weights).
 */
export async function convertZooModel(entry: ZooModel, options: OnnxZooOptions): Promise<OnnxConversion> {
  if (entry.format === 'onnx') throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id} is already an ONNX model: nothing to convert`);
  if (!options.force) {
    const cached = await readCached(entry, options.home);
    if (cached) return cached;
  }
  if (options.verifyImages.length === 0) throw new OnnxError('VERIFICATION_FAILED', `${entry.id}: a conversion must be verified on at least one real image`);
  const start = performance.now();
  const { model: converted, report } = entry.format === 'tfjs-layers' ? await convertLayers(entry, options) : await convertGraph(entry, options);
  const bytes = encodeModel(converted);
  // The reference is the model exactly as stored (no BatchNorm folding), so both rewrites are checked.
  const reference = await loadZooModel(entry, { ...options, foldBatchNorm: false });
  let onnx: LoadedModel | null = null;
  let verification: VerificationErrors;
  try {
    onnx = await loadOnnxModel(entry, bytes, { threads: options.threads, provider: options.provider });
    verification = await verifyOnnxModel(onnx, reference, await imageBatch(entry, options.verifyImages));
  } finally {
    onnx?.dispose();
    reference.dispose();
  }
  const paths = onnxCachePath(options.home, entry);
  await mkdir(join(options.home, 'onnx'), { recursive: true });
  const result: OnnxConversion = {
    path: paths.onnx,
    bytes: bytes.length,
    sha256: sha256Hex(bytes),
    cached: false,
    converterVersion: CONVERTER_VERSION,
    report,
    verification,
    verifiedOn: [...options.verifyImages],
    seconds: (performance.now() - start) / 1000,
  };
  // Model first, sidecar last, each renamed into place: a sidecar only ever describes a complete file.
  const tmp = `.${process.pid}.${Date.now()}.tmp`;
  await writeFile(paths.onnx + tmp, bytes);
  await rename(paths.onnx + tmp, paths.onnx);
  await writeFile(paths.meta + tmp, JSON.stringify({ modelId: entry.id, ...result }, null, 2));
  await rename(paths.meta + tmp, paths.meta);
  options.log?.(`onnx: converted ${entry.id} in ${result.seconds.toFixed(1)} s, max relative error ${formatErrors(verification)} -> ${paths.onnx}`);
  return result;
}

/** `features 1.2e-6, probabilities 3.0e-7`. */
export function formatErrors(errors: VerificationErrors): string {
  return Object.entries(errors)
    .map(([k, e]) => `${k} ${e.toExponential(1)}`)
    .join(', ');
}

/**
 * Converts (or finds the cached conversion of) a zoo model and opens it on onnxruntime-node. A cached file
 * whose sha256 is not the one recorded at conversion (damaged, or replaced) is converted again.
 */
export async function loadOnnxZooModel(entry: ZooModel, options: OnnxZooOptions): Promise<LoadedModel> {
  let conversion = await convertZooModel(entry, options);
  let bytes = await readFile(conversion.path).catch(() => null);
  if (conversion.cached && (!bytes || sha256Hex(bytes) !== conversion.sha256)) {
    options.log?.(`onnx: cached ${conversion.path} is missing or does not match its recorded sha256; converting again`);
    conversion = await convertZooModel(entry, { ...options, force: true });
    bytes = await readFile(conversion.path);
  }
  if (!bytes) throw new OnnxError('VALUE_NOT_FOUND', `${entry.id}: ${conversion.path} disappeared after conversion`);
  return loadOnnxModel(entry, bytes, {
    threads: options.threads,
    provider: options.provider,
    modelFile: conversion.path,
    modelSha256: conversion.sha256,
    verification: conversion.verification,
  });
}
