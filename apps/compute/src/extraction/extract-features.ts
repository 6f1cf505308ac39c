import { dispose, type Tensor, tensor4d } from '@tensorflow/tfjs-core';
import { type LoadedModel } from '../models/load-model';
import { ExtractionError } from './extraction-error';

/** One batch of images, already decoded and preprocessed for the model (NHWC float32). */
export interface ImageBatch {
  /** `n * h * w * c` values, row-major NHWC. */
  images: Float32Array;
  /** `[n, h, w, c]`; h, w, c must equal the model's input. */
  shape: readonly [number, number, number, number];
  /** `n` target-class ids. */
  labels: Int32Array | readonly number[];
  /** Called once the batch has gone through the network: its source may reuse `images` (the datasets' stream does). */
  release?(): void;
}

/** Progress after each batch; `total`/`etaSeconds` are null when the caller did not say how many images come. */
export interface ExtractionProgress {
  done: number;
  total: number | null;
  elapsedSeconds: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
}

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  onProgress?: (p: ExtractionProgress) => void;
  /** Number of images expected (for the ETA and to allocate the outputs once). */
  total?: number;
  /** Refuse batches whose input alone exceeds this many bytes (default 512 MiB), before tfjs runs out of memory. */
  maxBatchBytes?: number;
}

/**
 * Features and source-head outputs of N images, row-major. Float32 because the network computes in
 * float32: widening to float64 here would double the memory and the cache without adding information;
 * scores that need float64 accumulation (LogME's SVD) widen when they read.
 */
export interface FeatureExtraction {
  n: number;
  featureDim: number;
  /** Source classes, or null when the model has no head. */
  numClasses: number | null;
  /** N x featureDim. */
  features: Float32Array;
  /** N x numClasses source-class probabilities (softmax applied where the head outputs logits), or null. */
  probabilities: Float32Array | null;
  /** N x numClasses raw logits when the head exposes them (null for fused-softmax heads and headless models). */
  logits: Float32Array | null;
  /** N target labels, in input order. */
  labels: Int32Array;
  seconds: number;
}

const DEFAULT_MAX_BATCH_BYTES = 512 * 1024 * 1024;

/** Append-only float32 rows, doubling capacity (or sized once when the total is known). */
class Rows {
  private buf: Float32Array;
  private used = 0;

  constructor(
    private readonly width: number,
    capacityRows: number,
  ) {
    this.buf = new Float32Array(Math.max(1, capacityRows) * width);
  }

  push(values: Float32Array): void {
    if (this.used + values.length > this.buf.length) {
      const next = new Float32Array(Math.max(this.buf.length * 2, this.used + values.length));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(values, this.used);
    this.used += values.length;
  }

  /** The filled part, without a copy when the capacity was exact. */
  result(): Float32Array {
    return this.used === this.buf.length ? this.buf : this.buf.slice(0, this.used);
  }
}

function checkBatch(model: LoadedModel, batch: ImageBatch, index: number, maxBytes: number): number {
  const [n, h, w, c] = batch.shape;
  const [eh, ew, ec] = model.inputShape;
  const where = `${model.entry.id}, batch ${index}`;
  if (batch.shape.length !== 4 || !Number.isInteger(n) || n < 1) throw new ExtractionError('BATCH_SHAPE', `${where}: shape must be [n>=1, h, w, c], got [${batch.shape.join(', ')}]`);
  if (h !== eh || w !== ew || c !== ec) throw new ExtractionError('BATCH_SHAPE', `${where}: images are [${n}, ${h}, ${w}, ${c}], the model expects [n, ${eh}, ${ew}, ${ec}]`);
  if (batch.images.length !== n * h * w * c) throw new ExtractionError('BATCH_SHAPE', `${where}: ${batch.images.length} values for shape [${batch.shape.join(', ')}] (needs ${n * h * w * c})`);
  if (batch.labels.length !== n) throw new ExtractionError('LABELS_LENGTH', `${where}: ${batch.labels.length} labels for ${n} images`);
  if (batch.images.byteLength > maxBytes) {
    throw new ExtractionError('BATCH_TOO_LARGE', `${where}: the input alone is ${(batch.images.byteLength / 2 ** 20).toFixed(0)} MiB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MiB limit; use a smaller batch size`);
  }
  return n;
}

/**
 * Runs every batch through the model once and collects pooled features, source-head probabilities
 * (and raw logits where the head has them) and labels, in input order.
 *
 * Memory is bounded by one batch of tensors: each batch's tensors are disposed before the next runs,
 * and the next batch is requested before the current one runs, so that an iterator which decodes
 * asynchronously (libvips threads) overlaps decoding with the forward pass.
 * Throws `ExtractionError` for a batch of the wrong shape, mismatched labels, an oversized batch or no images.
 */
export async function extractFeatures(model: LoadedModel, batches: AsyncIterable<ImageBatch> | Iterable<ImageBatch>, options: ExtractOptions = {}): Promise<FeatureExtraction> {
  const maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const total = options.total ?? null;
  const { featureDim, numClasses } = model;
  const hasLogits = model.entry.logits !== null && !model.entry.logits.outputIsProbability;
  const features = new Rows(featureDim, total ?? 256);
  const probabilities = numClasses ? new Rows(numClasses, total ?? 256) : null;
  const logits = numClasses && hasLogits ? new Rows(numClasses, total ?? 256) : null;
  const labels: number[] = [];
  const start = performance.now();
  const iterator = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<ImageBatch>)[Symbol.iterator]();
  let pending = Promise.resolve(iterator.next());
  let index = 0;
  let finished = false;
  try {
    for (;;) {
      const step = await pending;
      if (step.done) {
        finished = true;
        break;
      }
      const batch = step.value;
      // Ask for the next batch now: its decoding runs while this one goes through the network.
      pending = Promise.resolve(iterator.next());
      const n = checkBatch(model, batch, index, maxBytes);
      if (model.forwardArrays) {
        // A runtime outside tfjs (onnxruntime) reads the batch as it is: no tensor copies.
        const out = await model.forwardArrays(batch.images, batch.shape);
        features.push(out.features);
        if (probabilities && out.probabilities) probabilities.push(out.probabilities);
        if (logits && out.logits) logits.push(out.logits);
      } else {
        const owned: Tensor[] = [];
        try {
          const x = tensor4d(batch.images, [...batch.shape]);
          owned.push(x);
          const out = model.forward(x);
          owned.push(out.features);
          if (out.probabilities) owned.push(out.probabilities);
          if (out.logits) owned.push(out.logits);
          features.push((await out.features.data()) as Float32Array);
          if (probabilities && out.probabilities) probabilities.push((await out.probabilities.data()) as Float32Array);
          if (logits && out.logits) logits.push((await out.logits.data()) as Float32Array);
        } finally {
          dispose(owned);
        }
      }
      for (let i = 0; i < n; i++) labels.push(batch.labels[i]);
      batch.release?.();
      index++;
      if (options.onProgress) {
        const elapsed = (performance.now() - start) / 1000;
        const rate = labels.length / elapsed;
        options.onProgress({ done: labels.length, total, elapsedSeconds: elapsed, imagesPerSecond: rate, etaSeconds: total === null ? null : Math.max(0, total - labels.length) / rate });
      }
    }
  } finally {
    if (!finished) {
      // Leave the source in a clean state: settle the prefetched step, then close it.
      await pending.catch(() => undefined);
      await iterator.return?.();
    }
  }
  if (labels.length === 0) throw new ExtractionError('EMPTY', `${model.entry.id}: no images to extract features from`);
  return {
    n: labels.length,
    featureDim,
    numClasses,
    features: features.result(),
    probabilities: probabilities ? probabilities.result() : null,
    logits: logits ? logits.result() : null,
    labels: Int32Array.from(labels),
    seconds: (performance.now() - start) / 1000,
  };
}
