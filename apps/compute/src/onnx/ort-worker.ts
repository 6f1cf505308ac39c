import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { OnnxError } from './onnx-error';

/**
 * The worker's program (CommonJS, evaluated by `new Worker(code, { eval: true })` so that it runs the same from
 * the TypeScript sources under vitest and from the build). One onnxruntime session per worker; messages:
 * `open` (model bytes, session options) -> output names; `run` (input name, NHWC batch, fetches) -> the fetched
 * float32 outputs, their buffers transferred (no copy back).
 */
const WORKER_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'open') {
      session = await ort.InferenceSession.create(m.bytes, m.options);
      parentPort.postMessage({ id: m.id, ok: true, inputNames: session.inputNames, outputNames: session.outputNames });
    } else if (m.op === 'run') {
      const out = await session.run({ [m.input]: new ort.Tensor('float32', m.images, m.shape) }, m.fetch);
      const result = {};
      const buffers = [m.images.buffer];
      for (const name of m.fetch) {
        const data = out[name].data;
        result[name] = data;
        buffers.push(data.buffer);
      }
      parentPort.postMessage({ id: m.id, ok: true, out: result, staging: m.images.buffer }, buffers);
    } else if (m.op === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (e) {
    const staging = m.images ? m.images.buffer : undefined;
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e), staging }, staging ? [staging] : []);
  }
});
`;

type Reply =
  | { id: number; ok: true; inputNames?: string[]; outputNames?: string[]; out?: Record<string, Float32Array>; staging?: ArrayBuffer }
  | { id: number; ok: false; error: string; staging?: ArrayBuffer };

/**
 * An onnxruntime-node session in a worker thread. onnxruntime-node's `run` is synchronous on the calling thread
 * (its promise only defers the call with setImmediate), so on the main thread it stops the event loop for the
 * whole forward pass: image decodes that libvips finishes meanwhile cannot hand over or start the next ones.
 * In a worker the forward pass of batch k runs while the main thread keeps decoding batch k+1.
 *
 * Batches travel in one staging buffer that goes to the worker and comes back with the outputs (transferred both
 * ways): one copy of the batch per run and no allocation, where structured cloning would allocate a new batch-sized
 * buffer per run (at 9.6 MB per batch of 16 MobileNet inputs, garbage that triggers major collections). Runs are
 * therefore serialised (the session runs one at a time anyway).
 *
 * The worker is unreferenced while idle (an open session does not keep the process alive) and referenced while
 * a call is pending. A worker that dies rejects every pending call.
 */
export class OrtWorkerSession {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private dead: Error | null = null;
  private staging: ArrayBuffer | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  inputNames: string[] = [];
  outputNames: string[] = [];

  private constructor() {
    const ortPath = createRequire(__filename).resolve('onnxruntime-node');
    this.worker = new Worker(WORKER_PROGRAM, { eval: true, workerData: { ortPath } });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p.resolve(r);
    });
    const fail = (e: Error): void => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new OnnxError('ORT_RUN_FAILED', `the onnxruntime worker exited (code ${code})`)));
  }

  /** Starts a worker and opens `bytes` there with `options` (onnxruntime session options, structured-cloneable). */
  static async open(bytes: Uint8Array, options: Record<string, unknown>): Promise<OrtWorkerSession> {
    const s = new OrtWorkerSession();
    try {
      const r = await s.call({ op: 'open', bytes, options });
      s.inputNames = r.inputNames ?? [];
      s.outputNames = r.outputNames ?? [];
      return s;
    } catch (e) {
      await s.worker.terminate();
      throw e;
    }
  }

  /** One forward pass: `images` (NHWC float32, copied; the caller's array is not touched) fed to `input`; returns the `fetch` outputs. */
  run(input: string, images: Float32Array, shape: readonly number[], fetch: readonly string[]): Promise<Record<string, Float32Array>> {
    const result = this.queue.then(async () => {
      let staging = this.staging;
      this.staging = null;
      if (!staging || staging.byteLength < images.byteLength) staging = new ArrayBuffer(images.byteLength);
      const view = new Float32Array(staging, 0, images.length);
      view.set(images);
      const r = await this.call({ op: 'run', input, images: view, shape: [...shape], fetch: [...fetch] }, [staging]);
      return r.out ?? {};
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Releases the session and ends the worker. */
  async close(): Promise<void> {
    if (!this.dead) await this.call({ op: 'release' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Extract<Reply, { ok: true }>> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.nextId;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    }).then((r) => {
      if (r.staging) this.staging = r.staging;
      if (!r.ok) throw new OnnxError('ORT_RUN_FAILED', r.error);
      return r;
    });
  }
}
