import { type Matrix } from './matrix';

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, `T = Q^T A Q`, with
 * `Q = H_0 H_1 ... H_{n-3}` and `H_j = I - tau_j v_j v_j^T` acting on indices j+1..n-1 (`v_j[0] = 1`).
 * This is LAPACK's dsytd2 (lower) in exact arithmetic; the trailing update is fused with the next
 * step's symmetric matrix-vector product so the trailing matrix is streamed once per column
 * (the algorithm is memory-bound: (4/3) n^3 flops over n passes of the shrinking lower triangle).
 */
export interface Tridiagonal {
  readonly n: number;
  /** Diagonal of T, length n. */
  readonly d: Float64Array;
  /** Sub-diagonal of T, length n (e[i] couples i and i+1; e[n-1] = 0). */
  readonly e: Float64Array;
  /** Householder vectors, packed: v_j occupies `[offset(j), offset(j) + n - j - 1)`. */
  readonly v: Float64Array;
  readonly tau: Float64Array;
}

export function reflectorOffset(n: number, j: number): number {
  // sum_{i<j} (n - i - 1)
  return j * (n - 1) - (j * (j - 1)) / 2;
}

/** Builds the reflector of x (length m) into `out`: H x = beta e_1. Returns { tau, beta } (dlarfg). */
function reflector(x: Float64Array, out: Float64Array, outOff: number, m: number): { tau: number; beta: number } {
  const alpha = x[0];
  let scale = 0;
  for (let i = 1; i < m; i++) scale = Math.max(scale, Math.abs(x[i]));
  out[outOff] = 1;
  if (scale === 0) {
    for (let i = 1; i < m; i++) out[outOff + i] = 0;
    return { tau: 0, beta: alpha };
  }
  // Scaled norm guards against overflow/underflow of the squares.
  let ss = 0;
  for (let i = 1; i < m; i++) {
    const t = x[i] / scale;
    ss += t * t;
  }
  const xnorm = scale * Math.sqrt(ss);
  const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
  const tau = (beta - alpha) / beta;
  const inv = 1 / (alpha - beta);
  for (let i = 1; i < m; i++) out[outOff + i] = x[i] * inv;
  return { tau, beta };
}

/**
 * Reduces symmetric `a` (only its lower triangle is read) to tridiagonal form. `a` is not modified.
 * Complexity (4/3) n^3 flops, O(n^2) extra memory.
 */
export function tridiagonalize(a: Matrix): Tridiagonal {
  const n = a.rows;
  if (a.cols !== n) throw new RangeError(`tridiagonalize: matrix must be square, got ${a.rows} x ${a.cols}`);
  // Work on a copy of the lower triangle in full row-major storage (rows stay contiguous).
  const A = Float64Array.from(a.data);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(Math.max(n - 2, 0));
  const v = new Float64Array(Math.max(reflectorOffset(n, Math.max(n - 2, 0)), 0));
  const x = new Float64Array(n);
  const p = new Float64Array(n);
  const w = new Float64Array(n);
  for (let j = 0; j < n - 2; j++) {
    const m = n - j - 1;
    const base = j + 1;
    for (let i = 0; i < m; i++) x[i] = A[(base + i) * n + j];
    const off = reflectorOffset(n, j);
    const { tau: t, beta } = reflector(x, v, off, m);
    tau[j] = t;
    d[j] = A[j * n + j];
    e[j] = beta;
    if (t === 0) continue;
    // p = tau * A22 v, using the lower triangle only: every stored a_ik (k <= i) contributes twice.
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      const vi = v[off + i];
      let s = 0;
      for (let k = 0; k < i; k++) {
        const aik = A[row + k];
        s += aik * v[off + k];
        p[k] += aik * vi;
      }
      p[i] += s + A[row + i] * vi;
    }
    let pv = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= t;
      pv += p[i] * v[off + i];
    }
    const K = -0.5 * t * pv;
    for (let i = 0; i < m; i++) w[i] = p[i] + K * v[off + i];
    // A22 -= v w^T + w v^T (lower triangle).
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      const vi = v[off + i];
      const wi = w[i];
      for (let k = 0; k <= i; k++) A[row + k] -= vi * w[k] + wi * v[off + k];
    }
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + n - 2];
    e[n - 2] = A[(n - 1) * n + n - 2];
  }
  if (n >= 1) d[n - 1] = A[(n - 1) * n + n - 1];
  return { n, d, e, v, tau };
}

/** In place: `M <- Q^T M` for an n x m row-major block (applies H_0 first). O(n^2 m). */
export function applyQTranspose(t: Tridiagonal, M: Float64Array, m: number): void {
  for (let j = 0; j < t.n - 2; j++) applyReflector(t, j, M, m);
}

/** In place: `M <- Q M` for an n x m row-major block (applies H_{n-3} first). O(n^2 m). */
export function applyQ(t: Tridiagonal, M: Float64Array, m: number): void {
  for (let j = t.n - 3; j >= 0; j--) applyReflector(t, j, M, m);
}

function applyReflector(t: Tridiagonal, j: number, M: Float64Array, m: number): void {
  const tj = t.tau[j];
  if (tj === 0) return;
  const n = t.n;
  const len = n - j - 1;
  const off = reflectorOffset(n, j);
  const base = j + 1;
  const s = new Float64Array(m);
  for (let i = 0; i < len; i++) {
    const vi = t.v[off + i];
    const row = (base + i) * m;
    for (let c = 0; c < m; c++) s[c] += vi * M[row + c];
  }
  for (let c = 0; c < m; c++) s[c] *= tj;
  for (let i = 0; i < len; i++) {
    const vi = t.v[off + i];
    const row = (base + i) * m;
    for (let c = 0; c < m; c++) M[row + c] -= vi * s[c];
  }
}
