import { matrix, type Matrix } from './matrix';
import { doubleTensor, ortSession, runOutputs } from './ort-engine';

/**
 * The two O(N d^2) kernels of a full-covariance Gaussian mixture's EM iteration, each one onnxruntime graph over a batch
 * of components (broadcast Sub/Mul and batched MatMul on MLAS float64, both threads): the elementwise work around the
 * products runs vectorised beside them instead of in JavaScript. Both skip a quarter of the flops by splitting the d
 * dimensions into halves [1 | 2]: a covariance is symmetric (only the blocks 11, 21, 22 are formed) and a precision
 * Cholesky factor is upper triangular (its block 21 is zero).
 */

/** Samples split column-wise into the halves the kernels work on; built once per fit (the samples do not change). */
export interface SplitSamples {
  n: number;
  d: number;
  /** Width of the first half, ceil(d / 2); the second half has d - h columns (0 when d = 1). */
  h: number;
  x1: Float64Array;
  x2: Float64Array;
}

export function splitSamples(x: Matrix): SplitSamples {
  const { rows: n, cols: d } = x;
  const h = Math.ceil(d / 2);
  const t = d - h;
  const x1 = new Float64Array(n * h);
  const x2 = new Float64Array(n * t);
  for (let i = 0; i < n; i++) {
    x1.set(x.data.subarray(i * d, i * d + h), i * h);
    x2.set(x.data.subarray(i * d + h, (i + 1) * d), i * t);
  }
  return { n, d, h, x1, x2 };
}

/** Columns [c0, c1) of every one of `count` row-major blocks of `rows` x `cols`, as one contiguous array. */
function columnBlock(src: Float64Array, count: number, rows: number, cols: number, r0: number, r1: number, c0: number, c1: number): Float64Array {
  const w = c1 - c0;
  const out = new Float64Array(count * (r1 - r0) * w);
  let o = 0;
  for (let b = 0; b < count; b++) {
    for (let r = r0; r < r1; r++, o += w) out.set(src.subarray(b * rows * cols + r * cols + c0, b * rows * cols + r * cols + c1), o);
  }
  return out;
}

/**
 * Weighted scatter matrices of a batch of b components, `G_k = sum_i w_ki (x_i - mu_k)(x_i - mu_k)^T` (d x d each),
 * formed as scikit-learn does, `(diag(w_k) C_k)^T C_k` with `C_k = X - 1 mu_k^T`, so the lower triangle (which the
 * Cholesky factorisation reads) holds the same products. The upper triangle is mirrored from the lower.
 *
 * @param means b x d component means mu_k.
 * @param weights b x N weights w_ki (the responsibilities in the M-step).
 * @returns b d x d matrices, row-major, concatenated.
 */
export async function weightedScatters(x: SplitSamples, means: Matrix, weights: Matrix): Promise<Float64Array> {
  const { n, d, h } = x;
  const t = d - h;
  const b = means.rows;
  if (means.cols !== d) throw new RangeError(`weightedScatters: means have ${means.cols} columns, samples ${d}`);
  if (weights.rows !== b || weights.cols !== n) {
    throw new RangeError(`weightedScatters: weights are ${weights.rows} x ${weights.cols}, expected ${b} x ${n}`);
  }
  const transpose = (input: string, output: string) => ({
    opType: 'Transpose',
    inputs: [input],
    outputs: [output],
    attributes: [{ name: 'perm', value: [0, 2, 1], kind: 'ints' as const }],
  });
  const session = await ortSession('mixture:scatter', () => ({
    name: 'mixture_scatter',
    nodes: [
      { opType: 'Sub', inputs: ['X1', 'MU1'], outputs: ['C1'] },
      { opType: 'Sub', inputs: ['X2', 'MU2'], outputs: ['C2'] },
      { opType: 'Mul', inputs: ['C1', 'W'], outputs: ['WC1'] },
      { opType: 'Mul', inputs: ['C2', 'W'], outputs: ['WC2'] },
      transpose('WC1', 'WC1T'),
      transpose('WC2', 'WC2T'),
      { opType: 'MatMul', inputs: ['WC1T', 'C1'], outputs: ['G11'] },
      { opType: 'MatMul', inputs: ['WC2T', 'C1'], outputs: ['G21'] },
      { opType: 'MatMul', inputs: ['WC2T', 'C2'], outputs: ['G22'] },
    ],
    inputs: [
      { name: 'X1', dims: ['n', 'h'] },
      { name: 'X2', dims: ['n', 't'] },
      { name: 'MU1', dims: ['b', 1, 'h'] },
      { name: 'MU2', dims: ['b', 1, 't'] },
      { name: 'W', dims: ['b', 'n', 1] },
    ],
    outputs: [
      { name: 'G11', dims: ['b', 'h', 'h'] },
      { name: 'G21', dims: ['b', 't', 'h'] },
      { name: 'G22', dims: ['b', 't', 't'] },
    ],
  }));
  const g = await runOutputs(session, {
    X1: doubleTensor(x.x1, [n, h]),
    X2: doubleTensor(x.x2, [n, t]),
    MU1: doubleTensor(columnBlock(means.data, 1, b, d, 0, b, 0, h), [b, 1, h]),
    MU2: doubleTensor(columnBlock(means.data, 1, b, d, 0, b, h, d), [b, 1, t]),
    W: doubleTensor(weights.data, [b, n, 1]),
  });
  const [g11, g21, g22] = [g['G11'], g['G21'], g['G22']];
  const out = new Float64Array(b * d * d);
  for (let k = 0; k < b; k++) {
    const o = k * d * d;
    for (let i = 0; i < h; i++) for (let j = 0; j <= i; j++) out[o + i * d + j] = g11[k * h * h + i * h + j];
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < h; j++) out[o + (h + i) * d + j] = g21[k * t * h + i * h + j];
      for (let j = 0; j <= i; j++) out[o + (h + i) * d + h + j] = g22[k * t * t + i * t + j];
    }
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[o + i * d + j] = out[o + j * d + i];
  }
  return out;
}

/**
 * Squared norms `q_ki = ||x_i P_k - mu_k P_k||^2` for a batch of b components, where P_k are the (upper-triangular)
 * precision Cholesky factors, precision_k = P_k P_k^T: the Mahalanobis distances of the Gaussian log-density in
 * scikit-learn's form. With P_k = [[P11, P12], [0, P22]], x P_k = [x1 P11, x1 P12 + x2 P22].
 *
 * @param factors b upper-triangular d x d matrices P_k, row-major, concatenated.
 * @param meanImages b x d rows mu_k^T P_k.
 * @returns b x N.
 */
export async function mahalanobisSquared(x: SplitSamples, factors: Float64Array, meanImages: Matrix): Promise<Matrix> {
  const { n, d, h } = x;
  const t = d - h;
  const b = meanImages.rows;
  if (meanImages.cols !== d || factors.length !== b * d * d) {
    throw new RangeError(`mahalanobisSquared: ${b} factors of ${d} x ${d} expected, got ${factors.length} values and ${meanImages.rows} x ${meanImages.cols} means`);
  }
  const session = await ortSession('mixture:mahalanobis', () => ({
    name: 'mixture_mahalanobis',
    nodes: [
      { opType: 'MatMul', inputs: ['X1', 'P11'], outputs: ['Y1'] },
      { opType: 'MatMul', inputs: ['X1', 'P12'], outputs: ['Y12'] },
      { opType: 'MatMul', inputs: ['X2', 'P22'], outputs: ['Y22'] },
      { opType: 'Sub', inputs: ['Y1', 'M1'], outputs: ['D1'] },
      { opType: 'Add', inputs: ['Y12', 'Y22'], outputs: ['Y2'] },
      { opType: 'Sub', inputs: ['Y2', 'M2'], outputs: ['D2'] },
      { opType: 'Mul', inputs: ['D1', 'D1'], outputs: ['S1'] },
      { opType: 'Mul', inputs: ['D2', 'D2'], outputs: ['S2'] },
      // Row sums as products with ones vectors: MatMul only, no opset-dependent ReduceSum axes input.
      { opType: 'MatMul', inputs: ['S1', 'ONES1'], outputs: ['Q1'] },
      { opType: 'MatMul', inputs: ['S2', 'ONES2'], outputs: ['Q2'] },
      { opType: 'Add', inputs: ['Q1', 'Q2'], outputs: ['Q'] },
    ],
    inputs: [
      { name: 'X1', dims: ['n', 'h'] },
      { name: 'X2', dims: ['n', 't'] },
      { name: 'P11', dims: ['b', 'h', 'h'] },
      { name: 'P12', dims: ['b', 'h', 't'] },
      { name: 'P22', dims: ['b', 't', 't'] },
      { name: 'M1', dims: ['b', 1, 'h'] },
      { name: 'M2', dims: ['b', 1, 't'] },
      { name: 'ONES1', dims: ['h', 1] },
      { name: 'ONES2', dims: ['t', 1] },
    ],
    outputs: [{ name: 'Q', dims: ['b', 'n', 1] }],
  }));
  const q = await runOutputs(session, {
    X1: doubleTensor(x.x1, [n, h]),
    X2: doubleTensor(x.x2, [n, t]),
    P11: doubleTensor(columnBlock(factors, b, d, d, 0, h, 0, h), [b, h, h]),
    P12: doubleTensor(columnBlock(factors, b, d, d, 0, h, h, d), [b, h, t]),
    P22: doubleTensor(columnBlock(factors, b, d, d, h, d, h, d), [b, t, t]),
    M1: doubleTensor(columnBlock(meanImages.data, 1, b, d, 0, b, 0, h), [b, 1, h]),
    M2: doubleTensor(columnBlock(meanImages.data, 1, b, d, 0, b, h, d), [b, 1, t]),
    ONES1: doubleTensor(new Float64Array(h).fill(1), [h, 1]),
    ONES2: doubleTensor(new Float64Array(t).fill(1), [t, 1]),
  });
  return matrix(b, n, q['Q']);
}
