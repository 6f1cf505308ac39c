import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { env, findBackendFactory, getBackend, getKernel, ready, setBackend, version_core } from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './backend-error';

/**
 * What the user asks for (`--backend`). `onnx` runs models on onnxruntime-node (CPU provider) once converted,
 * with tfjs (chosen as for `auto`) for what does not convert; `auto` prefers ONNX too (see `loadModelForBackend`).
 */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'onnx';
/** The tfjs backend actually running. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu', 'onnx'];

/** The chosen backend, for logs and provenance. */
export interface BackendInfo {
  name: BackendName;
  /** npm package providing it (e.g. `@tensorflow/tfjs-node-gpu`). */
  package: string;
  /** Version of that package. */
  version: string;
  /** Version of `@tensorflow/tfjs-core`. */
  coreVersion: string;
  /** Compute threads: XNNPACK's pool for wasm (1 under Node, where tfjs disables wasm threads), TensorFlow's intra-op pool, 1 for cpu. */
  threads: number;
  /** Whether SIMD kernels are in use (wasm: the SIMD binary was loaded; tensorflow: native vector code). */
  simd: boolean;
  /** What was asked for: `auto` and `onnx` also run convertible models on onnxruntime-node (absent: tfjs only). */
  request?: BackendRequest;
  /**
   * Whether the backend registers every gradient kernel a CNN needs ({@link CNN_TRAINING_KERNELS}), so that the
   * `finetune` protocol can run on it: `tensorflow` and `cpu` do; `wasm` does not (tfjs-backend-wasm 4.22 has no
   * Conv2DBackpropFilter nor depthwise backprop kernels).
   */
  canTrainCnn: boolean;
}

/**
 * Kernels the backward pass of the zoo's CNNs runs (convolution and depthwise-convolution gradients with respect to
 * the filter and the input, pooling gradients). Read from tfjs' kernel registry, so a backend added later (webgpu)
 * is judged by what it registers, not by its name.
 */
export const CNN_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

/** The {@link CNN_TRAINING_KERNELS} that `backend` does not register (empty: it can train a CNN). */
export function missingTrainingKernels(backend: string): string[] {
  return CNN_TRAINING_KERNELS.filter((kernel) => getKernel(kernel, backend) === undefined);
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Receives one line naming the chosen backend (default: `console.info`); pass `() => {}` to silence. */
  log?: (line: string) => void;
  /** Whether an optional package can be resolved from here; replaceable in tests. Defaults to `require.resolve`. */
  isInstalled?: (specifier: string) => boolean;
  /** Loads an optional package by name; replaceable in tests. Defaults to dynamic `import()`. */
  importOptional?: (specifier: string) => Promise<unknown>;
}

/** Optional peer dependencies that provide the native `tensorflow` backend, in order of preference. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

// The specifier is a variable so that TypeScript does not require the optional packages' types.
const dynamicImport = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Resolution, not the import error, decides "not installed": loaders word a missing package
 * differently (Node's ERR_MODULE_NOT_FOUND, Vite's "Could not resolve"), and a package that is present
 * but whose native library fails to load must be reported as such.
 */
function resolvable(specifier: string): boolean {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

type Attempt = { ok: true; info: Omit<BackendInfo, 'canTrainCnn'> } | { ok: false; reason: string; notInstalled?: boolean };

async function tryTensorflow(isInstalled: (s: string) => boolean, importOptional: (s: string) => Promise<unknown>): Promise<Attempt> {
  const reasons: string[] = [];
  let missing = 0;
  for (const pkg of TENSORFLOW_PACKAGES) {
    if (!isInstalled(pkg)) {
      missing++;
      reasons.push(`${pkg} is not installed`);
      continue;
    }
    let mod: unknown;
    try {
      mod = await importOptional(pkg);
    } catch (e) {
      reasons.push(`${pkg} is installed but failed to load: ${(e as Error).message}`);
      continue;
    }
    // Importing tfjs-node registers the "tensorflow" backend with the tfjs-core instance it shares with us.
    if (!findBackendFactory('tensorflow')) {
      reasons.push(`${pkg} loaded but registered no "tensorflow" backend (is it using another copy of @tensorflow/tfjs-core ${version_core}?)`);
      continue;
    }
    if (!(await setBackend('tensorflow'))) {
      reasons.push(`${pkg}: the "tensorflow" backend failed to initialise`);
      continue;
    }
    const versions = (mod as { version?: Record<string, string> }).version ?? {};
    return {
      ok: true,
      info: { name: 'tensorflow', package: pkg, version: versions['tfjs-node'] ?? 'unknown', coreVersion: version_core, threads: availableParallelism(), simd: true },
    };
  }
  return { ok: false, reason: reasons.join('; '), notInstalled: missing === TENSORFLOW_PACKAGES.length };
}

/** The folder holding the .wasm binaries, so that they are found whatever bundles or transpiles this file. */
function wasmDistDir(): string {
  return join(dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'dist') + '/';
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Attempt> {
  if (!wasmPathsSet) {
    setWasmPaths(wasmDistDir());
    wasmPathsSet = true;
  }
  const simd = Boolean(await env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  try {
    if (!(await setBackend('wasm'))) return { ok: false, reason: 'the wasm backend failed to initialise' };
  } catch (e) {
    return { ok: false, reason: `the wasm backend failed to initialise: ${(e as Error).message}` };
  }
  return { ok: true, info: { name: 'wasm', package: WASM_PACKAGE, version: version_wasm, coreVersion: version_core, threads: getThreadsCount(), simd } };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await setBackend('cpu'))) return { ok: false, reason: 'the cpu backend failed to initialise' };
  return { ok: true, info: { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu', version: version_cpu, coreVersion: version_core, threads: 1, simd: false } };
}

const TENSORFLOW_HELP =
  'The "tensorflow" backend needs one of the optional peer dependencies @tensorflow/tfjs-node (CPU, native TensorFlow) or ' +
  '@tensorflow/tfjs-node-gpu (NVIDIA GPU; tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1), installed with the same version as ' +
  `@tensorflow/tfjs-core (${version_core}), e.g. \`npm install -w apps/compute @tensorflow/tfjs-node-gpu@${version_core}\`. ` +
  'Their install downloads libtensorflow, so they are not installed by default. Use --backend auto, wasm or cpu otherwise.';

/**
 * Makes tfjs use the requested backend and reports which one runs.
 *
 * `auto` tries `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional peer dependencies,
 * loaded dynamically when installed), then `@tensorflow/tfjs-backend-wasm` (SIMD when the runtime has it),
 * then the pure-JS `cpu` backend. An explicit request that cannot be met throws `BackendError`:
 * `BACKEND_UNAVAILABLE` for `tensorflow` without the optional package (the message says how to install
 * it), `BACKEND_INIT_FAILED` when a backend is present but does not start.
 * The choice is logged as one line and returned for provenance.
 */
export async function selectBackend(request: BackendRequest, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw new BackendError('UNKNOWN_BACKEND', `unknown backend "${String(request)}"; expected one of ${BACKEND_REQUESTS.join(', ')}`);
  }
  const log = options.log ?? ((line: string) => console.info(line));
  const importOptional = options.importOptional ?? dynamicImport;
  const isInstalled = options.isInstalled ?? resolvable;
  const tried: string[] = [];
  let notInstalled = false;
  const attempts: Record<BackendName, () => Promise<Attempt>> = {
    tensorflow: () => tryTensorflow(isInstalled, importOptional),
    wasm: tryWasm,
    cpu: tryCpu,
  };
  const order: BackendName[] = request === 'auto' || request === 'onnx' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  for (const name of order) {
    const a = await attempts[name]();
    if (a.ok) {
      await ready();
      const info: BackendInfo = { ...a.info, request, canTrainCnn: missingTrainingKernels(a.info.name).length === 0 };
      const fallback = tried.length ? ` (${tried.join('; ')})` : '';
      const onnx = request === 'auto' || request === 'onnx' ? '; models that convert run on onnxruntime-node' : '';
      log(`tfjs backend: ${info.name} via ${info.package}@${info.version}, ${info.threads} thread(s), simd=${info.simd}, tfjs-core ${info.coreVersion}${fallback}${onnx}`);
      return info;
    }
    tried.push(a.reason);
    notInstalled = a.notInstalled === true;
  }
  if (request === 'tensorflow' && notInstalled) throw new BackendError('BACKEND_UNAVAILABLE', `${TENSORFLOW_HELP} (${tried.join('; ')})`);
  throw new BackendError('BACKEND_INIT_FAILED', `no tfjs backend could be started for "${request}": ${tried.join('; ')} (current: ${getBackend()})`);
}
