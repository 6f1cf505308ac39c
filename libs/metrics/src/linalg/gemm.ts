import { matrix, type Matrix } from './matrix';
import { doubleTensor, ortSession, runSingleOutput } from './ort-engine';

export interface GemmOptions {
  /** Use `a^T` instead of `a`. */
  transA?: boolean;
  /** Use `b^T` instead of `b`. */
  transB?: boolean;
}

/**
 * Below this many multiply-adds a plain loop beats the onnxruntime round trip (~50 us per call).
 * Above it the MLAS float64 kernels (~100+ GFLOP/s on 2 cores) win by two orders of magnitude.
 */
const ORT_MIN_FLOPS = 2e5;

function opDims(a: Matrix, b: Matrix, o: GemmOptions): { m: number; k: number; n: number } {
  const m = o.transA ? a.cols : a.rows;
  const k = o.transA ? a.rows : a.cols;
  const kb = o.transB ? b.cols : b.rows;
  const n = o.transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new RangeError(
      `gemm: inner dimensions differ: op(a) is ${m} x ${k}, op(b) is ${kb} x ${n}`,
    );
  }
  return { m, k, n };
}

/** Reference loop (i-k-j order so the innermost loop streams rows); used for small products. */
export function gemmJs(a: Matrix, b: Matrix, o: GemmOptions = {}): Matrix {
  const { m, k, n } = opDims(a, b, o);
  const out = new Float64Array(m * n);
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const aip = o.transA ? A[p * a.cols + i] : A[i * a.cols + p];
      if (aip === 0) continue;
      if (o.transB) {
        for (let j = 0; j < n; j++) out[row + j] += aip * B[j * b.cols + p];
      } else {
        const brow = p * n;
        for (let j = 0; j < n; j++) out[row + j] += aip * B[brow + j];
      }
    }
  }
  return matrix(m, n, out);
}

/**
 * `op(a) @ op(b)` in float64. Large products run as an ONNX `Gemm` node on onnxruntime's CPU provider
 * (MLAS dgemm: blocked, vectorised, multi-threaded); small ones as a plain loop.
 * Complexity O(m k n).
 */
export async function gemm(a: Matrix, b: Matrix, o: GemmOptions = {}): Promise<Matrix> {
  const { m, k, n } = opDims(a, b, o);
  if (m * k * n < ORT_MIN_FLOPS || m === 0 || n === 0 || k === 0) return gemmJs(a, b, o);
  const transA = o.transA ? 1 : 0;
  const transB = o.transB ? 1 : 0;
  const session = await ortSession(`gemm:${transA}${transB}`, () => ({
    name: 'gemm',
    // Plain products go to MatMul (MLAS's fastest path); transposed operands to Gemm's transA/transB.
    nodes: [
      transA || transB
        ? {
            opType: 'Gemm',
            inputs: ['A', 'B'],
            outputs: ['Y'],
            attributes: [
              { name: 'transA', value: transA, kind: 'int' as const },
              { name: 'transB', value: transB, kind: 'int' as const },
            ],
          }
        : { opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] },
    ],
    inputs: [
      { name: 'A', dims: ['a0', 'a1'] },
      { name: 'B', dims: ['b0', 'b1'] },
    ],
    outputs: [{ name: 'Y', dims: ['m', 'n'] }],
  }));
  const { data } = await runSingleOutput(session, {
    A: doubleTensor(a.data, [a.rows, a.cols]),
    B: doubleTensor(b.data, [b.rows, b.cols]),
  });
  return matrix(m, n, data);
}

/** Column-block width of the blocked syrk: large enough for GEMM efficiency, small enough to skip most of one triangle. */
const SYRK_BLOCK = 512;

/**
 * `a^T a` (the Gram / scatter matrix of the rows of `a`), symmetric D x D, O(N D^2). For wide `a` the columns are split
 * into blocks B_i and only the blocks B_i^T B_j with i <= j are multiplied (dsyrk's saving: with 4 blocks 10/16 of the
 * full product's flops); the other triangle is mirrored.
 */
export async function syrk(a: Matrix): Promise<Matrix> {
  const { rows: n, cols: d } = a;
  // Measured here: two blocks (d = 1024) lose to one Gemm (141 vs 120 ms at N = 5000); from three blocks on they win.
  if (d < 3 * SYRK_BLOCK) return gemm(a, a, { transA: true });
  const starts: number[] = [];
  for (let c = 0; c < d; c += SYRK_BLOCK) starts.push(c);
  const blocks = starts.map((c0) => {
    const w = Math.min(SYRK_BLOCK, d - c0);
    const b = matrix(n, w);
    for (let i = 0; i < n; i++) b.data.set(a.data.subarray(i * d + c0, i * d + c0 + w), i * w);
    return b;
  });
  const out = matrix(d, d);
  for (let bi = 0; bi < blocks.length; bi++) {
    for (let bj = bi; bj < blocks.length; bj++) {
      const g = await gemm(blocks[bi], blocks[bj], { transA: true });
      const r0 = starts[bi];
      const c0 = starts[bj];
      for (let i = 0; i < g.rows; i++) {
        for (let j = 0; j < g.cols; j++) {
          const v = g.data[i * g.cols + j];
          out.data[(r0 + i) * d + c0 + j] = v;
          out.data[(c0 + j) * d + r0 + i] = v;
        }
      }
    }
  }
  return out;
}

/**
 * `beta c + alpha a op(b)` (ONNX Gemm with a C input), e.g. the rank-2k update `A22 - [Y W] [W Y]^T` of the band reduction.
 * Returns a new matrix; `c` is not modified.
 */
export async function gemmUpdate(c: Matrix, a: Matrix, b: Matrix, o: { transB?: boolean; alpha: number; beta: number }): Promise<Matrix> {
  const { m, k, n } = opDims(a, b, { transB: o.transB });
  if (c.rows !== m || c.cols !== n) throw new RangeError(`gemmUpdate: c is ${c.rows} x ${c.cols}, expected ${m} x ${n}`);
  if (m * k * n < ORT_MIN_FLOPS) {
    const p = gemmJs(a, b, { transB: o.transB });
    return matrix(m, n, p.data.map((v, i) => o.beta * c.data[i] + o.alpha * v));
  }
  const transB = o.transB ? 1 : 0;
  const session = await ortSession(`gemmc:${transB}:${o.alpha}:${o.beta}`, () => ({
    name: 'gemmc',
    nodes: [
      {
        opType: 'Gemm',
        inputs: ['A', 'B', 'C'],
        outputs: ['Y'],
        attributes: [
          { name: 'transB', value: transB, kind: 'int' },
          { name: 'alpha', value: o.alpha, kind: 'float' },
          { name: 'beta', value: o.beta, kind: 'float' },
        ],
      },
    ],
    inputs: [
      { name: 'A', dims: ['a0', 'a1'] },
      { name: 'B', dims: ['b0', 'b1'] },
      { name: 'C', dims: ['c0', 'c1'] },
    ],
    outputs: [{ name: 'Y', dims: ['m', 'n'] }],
  }));
  const { data } = await runSingleOutput(session, {
    A: doubleTensor(a.data, [a.rows, a.cols]),
    B: doubleTensor(b.data, [b.rows, b.cols]),
    C: doubleTensor(c.data, [c.rows, c.cols]),
  });
  return matrix(m, n, data);
}
