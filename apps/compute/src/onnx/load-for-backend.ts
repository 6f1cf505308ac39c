import { type BackendInfo } from '../backends/select-backend';
import { loadZooModel, type LoadedModel } from '../models/load-model';
import { type ModelFileOptions } from '../models/model-files';
import { type ZooModel } from '../models/zoo-manifest';
import { loadExternalOnnxModel } from './external-onnx';
import { OnnxError } from './onnx-error';
import { loadOnnxZooModel } from './onnx-zoo';

/** Options of {@link loadModelForBackend}. */
export interface LoadForBackendOptions extends ModelFileOptions {
  backend: BackendInfo;
  /** TRANSFERSCOPE_HOME (the ONNX cache lives under it). */
  home: string;
  /** Real images to verify a new ONNX conversion on. */
  verifyImages: readonly string[];
  /** onnxruntime intra-op threads (default: `TRANSFERSCOPE_ONNX_THREADS`, else all cores). */
  threads?: number;
  log?: (line: string) => void;
}

/** `TRANSFERSCOPE_ONNX_THREADS` as a thread count, or undefined (all cores) when unset; a bad value throws. */
export function onnxThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env['TRANSFERSCOPE_ONNX_THREADS'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new OnnxError('ORT_UNAVAILABLE', `TRANSFERSCOPE_ONNX_THREADS=${raw} must be a positive integer`);
  return n;
}

/** Whether a backend request runs convertible models on onnxruntime. */
export function prefersOnnx(backend: BackendInfo): boolean {
  return backend.request === 'auto' || backend.request === 'onnx';
}

/**
 * Loads a zoo model where the backend request says: on onnxruntime-node (converted and verified on first
 * use, then cached) for `auto` and `onnx` when the model converts, else on the current tfjs backend. A
 * model that does not convert (an unsupported layer or op) or whose conversion fails verification runs on
 * tfjs, and the reason is logged; `model.runtime` tells which ran (absent: tfjs). An entry of `format: "onnx"` always
 * runs on onnxruntime-node ({@link loadExternalOnnxModel}).
 */
export async function loadModelForBackend(entry: ZooModel, options: LoadForBackendOptions): Promise<LoadedModel> {
  if (entry.format === 'onnx') {
    // Only onnxruntime runs an ONNX file, whatever tfjs backend was asked for.
    if (!prefersOnnx(options.backend)) options.log?.(`onnx: ${entry.id} is an ONNX model and runs on onnxruntime-node, not tfjs ${options.backend.name}`);
    return loadExternalOnnxModel(entry, { ...options, threads: options.threads ?? onnxThreadsFromEnv() });
  }
  if (prefersOnnx(options.backend)) {
    const threads = options.threads ?? onnxThreadsFromEnv();
    try {
      return await loadOnnxZooModel(entry, { ...options, threads });
    } catch (e) {
      if (!(e instanceof OnnxError)) throw e;
      options.log?.(`onnx: ${entry.id} stays on tfjs ${options.backend.name}: ${e.message}`);
    }
  }
  return loadZooModel(entry, options);
}
