import { matrix, type Matrix } from './matrix';
import { doubleTensor, ortSession, runOutputs } from './ort-engine';

/**
 * The two O(N d^2) kernels of a full-covariance Gaussian mixture's EM iteration, each one small onnxruntime graph over
 * a batch of components (broadcast Sub/Mul, batched MatMul on MLAS float64, both threads): the elementwise work around
 * the products runs vectorised beside them, and each kernel makes as few passes over its b x N x d intermediate as
 * the formula allows (measured: 15 % and 35 % less time than forming the textbook operands).
 */

/** The samples in the layouts the kernels read, built once per fit (the samples do not change between iterations). */
export interface MixtureSamples {
  n: number;
  d: number;
  /** N x d, row-major. */
  x: Float64Array;
  /** d x N: X^T. */
  xt: Float64Array;
  /** N x (d + 1): [X 1], so a product with [P; -mu^T P] subtracts the mean's image inside the GEMM. */
  xOnes: Float64Array;
  /** N ones. */
  ones: Float64Array;
}

export function mixtureSamples(x: Matrix): MixtureSamples {
  const { rows: n, cols: d } = x;
  const xt = new Float64Array(n * d);
  const xOnes = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xt[j * n + i] = x.data[i * d + j];
    xOnes.set(x.data.subarray(i * d, (i + 1) * d), i * (d + 1));
    xOnes[i * (d + 1) + d] = 1;
  }
  return { n, d, x: x.data, xt, xOnes, ones: new Float64Array(n).fill(1) };
}

/**
 * Weighted scatter matrices of a batch of b components, `G_k = sum_i w_ki (x_i - mu_k)(x_i - mu_k)^T` (d x d each).
 *
 * Evaluated one-sided: with `L_k = diag(w_k) (X - 1 mu_k^T)` (centred, scikit-learn's left operand) and
 * `s_k = L_k^T 1`, `G_k = L_k^T (X - 1 mu_k^T) = L_k^T X - s_k mu_k^T` exactly, so the right operand is X itself and
 * only one b x d x N intermediate is formed; the centred left operand keeps the rounding at eps (1 + |mu| / sigma)
 * relative (the uncentred formula's would be eps (1 + |mu|^2 / sigma^2)). The lower triangle (which the Cholesky
 * factorisation reads) is mirrored into the upper one.
 *
 * @param means b x d component means mu_k.
 * @param weights b x N weights w_ki (the responsibilities in the M-step).
 * @returns b d x d matrices, row-major, concatenated.
 */
export async function weightedScatters(s: MixtureSamples, means: Matrix, weights: Matrix): Promise<Float64Array> {
  const { n, d } = s;
  const b = means.rows;
  if (means.cols !== d) throw new RangeError(`weightedScatters: means have ${means.cols} columns, samples ${d}`);
  if (weights.rows !== b || weights.cols !== n) {
    throw new RangeError(`weightedScatters: weights are ${weights.rows} x ${weights.cols}, expected ${b} x ${n}`);
  }
  const session = await ortSession('mixture:scatter', () => ({
    name: 'mixture_scatter',
    nodes: [
      // L_k^T = (X^T - mu_k 1^T) diag(w_k), b x d x N.
      { opType: 'Sub', inputs: ['XT', 'MU'], outputs: ['CT'] },
      { opType: 'Mul', inputs: ['CT', 'W'], outputs: ['LT'] },
      { opType: 'MatMul', inputs: ['LT', 'X'], outputs: ['G'] },
      { opType: 'MatMul', inputs: ['LT', 'ONES'], outputs: ['S'] },
    ],
    inputs: [
      { name: 'XT', dims: [1, 'd', 'n'] },
      { name: 'MU', dims: ['b', 'd', 1] },
      { name: 'W', dims: ['b', 1, 'n'] },
      { name: 'X', dims: ['n', 'd'] },
      { name: 'ONES', dims: ['n', 1] },
    ],
    outputs: [
      { name: 'G', dims: ['b', 'd', 'd'] },
      { name: 'S', dims: ['b', 'd', 1] },
    ],
  }));
  const out = await runOutputs(session, {
    XT: doubleTensor(s.xt, [1, d, n]),
    MU: doubleTensor(means.data, [b, d, 1]),
    W: doubleTensor(weights.data, [b, 1, n]),
    X: doubleTensor(s.x, [n, d]),
    ONES: doubleTensor(s.ones, [n, 1]),
  });
  const g = out['G'];
  const sums = out['S'];
  for (let k = 0; k < b; k++) {
    const o = k * d * d;
    for (let i = 0; i < d; i++) {
      const si = sums[k * d + i];
      for (let j = 0; j <= i; j++) g[o + i * d + j] -= si * means.data[k * d + j];
    }
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) g[o + i * d + j] = g[o + j * d + i];
  }
  return g;
}

/**
 * Squared norms `q_ki = ||x_i P_k - mu_k P_k||^2` for a batch of b components, where P_k are the precision Cholesky
 * factors (precision_k = P_k P_k^T): the Mahalanobis distances of the Gaussian log-density in scikit-learn's form.
 * One product `[X 1] [P_k; -mu_k^T P_k]` and one ReduceSumSquare: no intermediate beyond the product itself.
 *
 * @param factors b d x d matrices P_k, row-major, concatenated.
 * @param means b x d component means mu_k.
 * @returns b x N.
 */
export async function mahalanobisSquared(s: MixtureSamples, factors: Float64Array, means: Matrix): Promise<Matrix> {
  const { n, d } = s;
  const b = means.rows;
  if (means.cols !== d || factors.length !== b * d * d) {
    throw new RangeError(`mahalanobisSquared: ${b} factors of ${d} x ${d} expected, got ${factors.length} values and ${means.rows} x ${means.cols} means`);
  }
  const e = d + 1;
  const augmented = new Float64Array(b * e * d);
  for (let k = 0; k < b; k++) {
    const P = factors.subarray(k * d * d, (k + 1) * d * d);
    const o = k * e * d;
    augmented.set(P, o);
    for (let a = 0; a < d; a++) {
      const m = means.data[k * d + a];
      for (let j = 0; j < d; j++) augmented[o + d * d + j] -= m * P[a * d + j];
    }
  }
  const session = await ortSession('mixture:mahalanobis', () => ({
    name: 'mixture_mahalanobis',
    nodes: [
      { opType: 'MatMul', inputs: ['XA', 'PA'], outputs: ['Y'] },
      {
        opType: 'ReduceSumSquare',
        inputs: ['Y'],
        outputs: ['Q'],
        attributes: [
          { name: 'axes', value: [2], kind: 'ints' as const },
          { name: 'keepdims', value: 0, kind: 'int' as const },
        ],
      },
    ],
    inputs: [
      { name: 'XA', dims: ['n', 'e'] },
      { name: 'PA', dims: ['b', 'e', 'd'] },
    ],
    outputs: [{ name: 'Q', dims: ['b', 'n'] }],
    // ReduceSumSquare takes its axes as an attribute up to opset 17.
    opset: 17,
  }));
  const q = await runOutputs(session, { XA: doubleTensor(s.xOnes, [n, e]), PA: doubleTensor(augmented, [b, e, d]) });
  return matrix(b, n, q['Q']);
}
