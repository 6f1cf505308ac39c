import { MetricInputError } from './errors';
import { type Matrix } from './linalg/matrix';

/** What a score may consume. Which fields a score needs is declared in its MetricDefinition. */
export interface ScoreInput {
  /** N x D features of the target data under the model being ranked (e.g. penultimate-layer activations). */
  features?: Matrix;
  /** N target labels, integers in [0, C) with every class present. */
  labels: ArrayLike<number>;
  /** N x Cs source-head softmax outputs (rows sum to 1): LEEP's theta(x). */
  sourceProbabilities?: Matrix;
  /** N source labels (e.g. argmax of the source head), integers >= 0. */
  sourceLabels?: ArrayLike<number>;
  /** Facts about the model being ranked, independent of the target data (read by the static baselines). */
  model?: ModelMetadata;
}

/** Metadata of a pre-trained model; every field optional. */
export interface ModelMetadata {
  /** Number of parameters of the whole network (a positive integer). */
  parameters?: number;
  /** Its ImageNet-1k validation top-1 accuracy as a fraction in [0, 1] (76.1 % is 0.761). */
  imagenetTop1?: number;
}

/** `parameters` a positive integer, `imagenetTop1` a fraction in [0, 1]; absent fields are fine. */
export function checkModelMetadata(model: ModelMetadata): void {
  const p = model.parameters;
  if (p !== undefined && !(Number.isSafeInteger(p) && p > 0)) {
    throw new MetricInputError('metadata_out_of_range', `model.parameters = ${p}; expected a positive integer (a parameter count)`);
  }
  const t = model.imagenetTop1;
  if (t !== undefined && !(Number.isFinite(t) && t >= 0 && t <= 1)) {
    throw new MetricInputError('metadata_out_of_range', `model.imagenetTop1 = ${t}; expected a fraction in [0, 1] (76.1 % is 0.761)`);
  }
}

/** Rows of `predictions` may miss 1 by this much: float32 softmax over ~1000 classes drifts by ~1e-5. */
export const PROBABILITY_ROW_SUM_TOLERANCE = 1e-4;

export interface CheckedLabels {
  labels: Int32Array;
  /** Number of classes C = max label + 1. */
  classes: number;
  counts: Float64Array;
}

/**
 * Target labels must be integers 0..C-1 with every class present and C >= 2 (the reference implementations
 * take C = max + 1 and return NaN or divide by zero for absent classes, so we refuse instead).
 */
export function checkLabels(labels: ArrayLike<number>, n?: number): CheckedLabels {
  const len = labels.length;
  if (n !== undefined && len !== n) {
    throw new MetricInputError('shape_mismatch', `labels has ${len} entries but features/predictions have ${n} rows`);
  }
  if (len < 2) throw new MetricInputError('too_few_samples', `need at least 2 samples, got ${len}`);
  let max = 0;
  const out = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    const l = labels[i];
    if (!Number.isInteger(l)) throw new MetricInputError('label_not_integer', `labels[${i}] = ${l} is not an integer`);
    if (l < 0) throw new MetricInputError('label_out_of_range', `labels[${i}] = ${l} is negative; labels must be in [0, C)`);
    out[i] = l;
    if (l > max) max = l;
  }
  const classes = max + 1;
  const counts = new Float64Array(classes);
  for (let i = 0; i < len; i++) counts[out[i]]++;
  const missing: number[] = [];
  counts.forEach((c, k) => {
    if (c === 0) missing.push(k);
  });
  if (missing.length > 0) {
    throw new MetricInputError(
      'label_gap',
      `labels must use every class 0..${classes - 1}; missing ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`,
    );
  }
  if (classes < 2) throw new MetricInputError('single_class', 'labels contain a single class; transferability needs C >= 2');
  return { labels: out, classes, counts };
}

export function checkFeatures(features: Matrix): void {
  if (features.rows < 2) throw new MetricInputError('too_few_samples', `features must have at least 2 rows, got ${features.rows}`);
  if (features.cols < 1) throw new MetricInputError('shape_mismatch', 'features must have at least 1 column');
  const d = features.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / features.cols);
      throw new MetricInputError('non_finite', `features[${r}, ${i - r * features.cols}] = ${d[i]}; features must be finite`);
    }
  }
}

/** Each row a probability vector: entries in [0, 1], sum within PROBABILITY_ROW_SUM_TOLERANCE of 1. */
export function checkPredictions(predictions: Matrix, n: number): void {
  if (predictions.rows !== n) {
    throw new MetricInputError('shape_mismatch', `predictions has ${predictions.rows} rows but labels have ${n}`);
  }
  if (predictions.cols < 1) throw new MetricInputError('shape_mismatch', 'predictions must have at least 1 column');
  const cs = predictions.cols;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < cs; j++) {
      const p = predictions.data[i * cs + j];
      if (!Number.isFinite(p)) throw new MetricInputError('non_finite', `predictions[${i}, ${j}] = ${p}; predictions must be finite`);
      if (p < 0 || p > 1) throw new MetricInputError('probability_out_of_range', `predictions[${i}, ${j}] = ${p} is not in [0, 1]`);
      s += p;
    }
    if (Math.abs(s - 1) > PROBABILITY_ROW_SUM_TOLERANCE) {
      throw new MetricInputError(
        'probability_row_sum',
        `predictions row ${i} sums to ${s}; rows must be softmax outputs summing to 1 (tolerance ${PROBABILITY_ROW_SUM_TOLERANCE})`,
      );
    }
  }
}

/** Index of the largest entry of each row; ties go to the first index (numpy's argmax). */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    let bv = m.data[i * m.cols];
    for (let j = 1; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
