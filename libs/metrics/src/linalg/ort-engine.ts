import { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxGraph } from './onnx-proto';

/**
 * onnxruntime (CPU provider, MLAS kernels) as a float64 BLAS: each distinct operation is a one-node ONNX graph with
 * symbolic dimensions, built in memory, compiled once and cached for the life of the process.
 */
const sessions = new Map<string, Promise<InferenceSession>>();

function threads(): number {
  const fromEnv = Number(process.env['TRANSFERSCOPE_ORT_THREADS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 2;
}

export function ortSession(key: string, graph: () => OnnxGraph): Promise<InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    s = InferenceSession.create(encodeOnnxModel(graph()), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      enableCpuMemArena: false,
      // Worker threads sleep instead of spinning between calls: the machine is shared (and the scores call ORT often).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    sessions.set(key, s);
  }
  return s;
}

export function doubleTensor(data: Float64Array, dims: readonly number[]): Tensor {
  // A view into a larger buffer is copied: the binding hands the whole ArrayBuffer to onnxruntime.
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  return new Tensor('float64', own, dims);
}

export async function runSingleOutput(
  session: InferenceSession,
  feeds: Record<string, Tensor>,
): Promise<{ data: Float64Array; dims: readonly number[] }> {
  const result = await session.run(feeds);
  const out = result[session.outputNames[0]];
  const data = out.data;
  if (!(data instanceof Float64Array)) throw new TypeError(`onnxruntime returned ${out.type}, expected float64`);
  return { data, dims: out.dims };
}

/** Runs a session and returns every output as float64 data, by name. */
export async function runOutputs(session: InferenceSession, feeds: Record<string, Tensor>): Promise<Record<string, Float64Array>> {
  const result = await session.run(feeds);
  const out: Record<string, Float64Array> = {};
  for (const name of session.outputNames) {
    const data = result[name].data;
    if (!(data instanceof Float64Array)) throw new TypeError(`onnxruntime returned ${result[name].type} for ${name}, expected float64`);
    out[name] = data;
  }
  return out;
}
