import { availableParallelism } from 'node:os';
import { type Tensor2D, type Tensor4D } from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { type ArrayOutputs, type LoadedModel, type ModelRuntime } from '../models/load-model';
import { ModelError } from '../models/model-error';
import { sha256Hex } from '../models/sha256';
import { type ZooModel } from '../models/zoo-manifest';
import { ONNX_IO } from './convert-layers';
import { OnnxError } from './onnx-error';
import { OrtWorkerSession } from './ort-worker';

/** Execution providers of onnxruntime-node that this build can run. */
export type OnnxProvider = 'cpu';

/** Options of {@link loadOnnxModel}. */
export interface OnnxRunOptions {
  /** Intra-op threads of the CPU provider (default: all cores). */
  threads?: number;
  provider?: OnnxProvider;
  /** Provenance: the file the bytes came from, its sha256 (default: of `bytes`) and the verification that accepted it. */
  modelFile?: string;
  modelSha256?: string;
  verification?: Record<string, number> | null;
  /** The graph's input and tap names (default {@link ONNX_IO}, what the converter writes). */
  names?: OnnxIoNames;
}

/** Which graph input the images feed and which graph outputs hold the taps (no logits: the head outputs probabilities). */
export interface OnnxIoNames {
  input: string;
  features: string;
  probabilities: string;
  logits: string;
}

const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;

/**
 * Opens an ONNX file produced by the converter (input `input` NHWC float32; outputs `features`, and
 * `probabilities`/`logits` as the zoo entry's head says) in an onnxruntime-node session, as a
 * {@link LoadedModel}. The session lives in a worker thread ({@link OrtWorkerSession}), so the main thread keeps
 * decoding images while a batch runs. Its forward pass is {@link LoadedModel.forwardArrays} (asynchronous);
 * `forward` on tfjs tensors throws `SYNC_FORWARD_UNSUPPORTED`.
 */
export async function loadOnnxModel(entry: ZooModel, bytes: Uint8Array, options: OnnxRunOptions = {}): Promise<LoadedModel> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new OnnxError('ORT_UNAVAILABLE', `threads must be a positive integer, got ${threads}`);
  const provider = options.provider ?? 'cpu';
  let session: OrtWorkerSession;
  try {
    session = await OrtWorkerSession.open(bytes, {
      executionProviders: [provider],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Idle pool threads sleep instead of spinning: on a shared machine spinning costs the other jobs CPU
      // (measured here under load: MobileNetV2 at 2 threads 6.7 -> 4.5 CPU ms/img, and faster too).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (e) {
    throw new OnnxError('ORT_UNAVAILABLE', `${entry.id}: onnxruntime-node could not open the model on provider ${provider}: ${(e as Error).message}`, { cause: e });
  }
  const { height, width, channels } = entry.input;
  const head = entry.logits;
  const io = options.names ?? ONNX_IO;
  const wanted = [io.features, ...(head ? [io.probabilities, ...(head.outputIsProbability ? [] : [io.logits])] : [])];
  const missing = wanted.filter((n) => !session.outputNames.includes(n));
  if (missing.length) {
    await session.close();
    throw new OnnxError('VALUE_NOT_FOUND', `${entry.id}: the ONNX model has no output ${missing.join(', ')} (outputs: ${session.outputNames.join(', ')})`);
  }
  const runtime: ModelRuntime = {
    name: 'onnxruntime-node',
    version: ORT_VERSION,
    provider,
    threads,
    modelFile: options.modelFile ?? '',
    modelSha256: options.modelSha256 ?? sha256Hex(bytes),
    verification: options.verification ?? null,
  };

  async function forwardArrays(images: Float32Array, shape: readonly [number, number, number, number]): Promise<ArrayOutputs> {
    const [n, h, w, c] = shape;
    if (h !== height || w !== width || c !== channels) {
      throw new ModelError('INPUT_SHAPE_MISMATCH', `${entry.id} expects [batch, ${height}, ${width}, ${channels}] inputs, got [${n}, ${h}, ${w}, ${c}]`);
    }
    const out = await session.run(io.input, images, [n, h, w, c], wanted);
    return { features: out[io.features], probabilities: head ? out[io.probabilities] : null, logits: head && !head.outputIsProbability ? out[io.logits] : null };
  }

  return {
    entry,
    inputShape: [height, width, channels],
    featureDim: entry.featureDim,
    numClasses: head ? head.numClasses : null,
    optimizations: null,
    params: entry.params,
    runtime,
    forwardArrays,
    forward(_images: Tensor4D): { features: Tensor2D; logits: Tensor2D | null; probabilities: Tensor2D | null } {
      throw new OnnxError('SYNC_FORWARD_UNSUPPORTED', `${entry.id} runs on onnxruntime, which is asynchronous: use forwardArrays (extractFeatures does)`);
    },
    dispose() {
      void session.close();
    },
  };
}
