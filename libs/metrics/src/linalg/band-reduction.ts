import { BandSymmetric } from './band-tridiagonal';
import { gemm, gemmJs, gemmUpdate } from './gemm';
import { matrix, type Matrix } from './matrix';

/** One panel's block reflector Q_p = I - Y T Y^T acting on rows offset..offset+m-1 (LAPACK's compact WY form). */
export interface BlockReflector {
  offset: number;
  /** m x r, unit lower trapezoidal. */
  y: Matrix;
  /** r x r upper triangular. */
  t: Matrix;
}

/** Householder QR of the m x w panel `p` (row-major, in place: R on top); returns the reflectors as Y (m x r) and taus. */
function panelQr(p: Float64Array, m: number, w: number): { y: Matrix; tau: Float64Array } {
  const r = Math.min(m, w);
  const y = matrix(m, r);
  const tau = new Float64Array(r);
  const x = new Float64Array(m);
  const work = new Float64Array(w);
  for (let j = 0; j < r; j++) {
    const len = m - j;
    for (let i = 0; i < len; i++) x[i] = p[(j + i) * w + j];
    const alpha = x[0];
    let scale = 0;
    for (let i = 1; i < len; i++) scale = Math.max(scale, Math.abs(x[i]));
    y.data[j * r + j] = 1;
    if (scale === 0) continue;
    let ss = 0;
    for (let i = 1; i < len; i++) ss += (x[i] / scale) ** 2;
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, scale * Math.sqrt(ss));
    const t = (beta - alpha) / beta;
    const inv = 1 / (alpha - beta);
    tau[j] = t;
    for (let i = 1; i < len; i++) y.data[(j + i) * r + j] = x[i] * inv;
    p[j * w + j] = beta;
    for (let i = 1; i < len; i++) p[(j + i) * w + j] = 0;
    // Apply H_j to the remaining columns j+1..w-1: P -= tau v (v^T P).
    work.fill(0);
    for (let i = 0; i < len; i++) {
      const vi = y.data[(j + i) * r + j];
      const row = (j + i) * w;
      for (let c = j + 1; c < w; c++) work[c] += vi * p[row + c];
    }
    for (let i = 0; i < len; i++) {
      const vi = t * y.data[(j + i) * r + j];
      const row = (j + i) * w;
      for (let c = j + 1; c < w; c++) p[row + c] -= vi * work[c];
    }
  }
  return { y, tau };
}

/** T of the compact WY form H_0 ... H_{r-1} = I - Y T Y^T (LAPACK dlarft, forward, column-wise). */
function blockT(y: Matrix, tau: Float64Array): Matrix {
  const r = y.cols;
  const m = y.rows;
  const t = matrix(r, r);
  const z = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    t.data[i * r + i] = tau[i];
    if (tau[i] === 0) continue;
    z.fill(0, 0, i);
    for (let row = i; row < m; row++) {
      const yi = y.data[row * r + i];
      for (let c = 0; c < i; c++) z[c] += y.data[row * r + c] * yi;
    }
    for (let c = 0; c < i; c++) z[c] *= -tau[i];
    for (let a = 0; a < i; a++) {
      let s = 0;
      for (let c = a; c < i; c++) s += t.data[a * r + c] * z[c];
      t.data[a * r + i] = s;
    }
  }
  return t;
}

/**
 * First stage of the two-stage symmetric eigensolver (LAPACK dsytrd_sy2sb): A = Q B Q^T with B banded (half-bandwidth b)
 * and Q a product of block reflectors. Each panel is a Householder QR (O(m b^2), plain loops); the two-sided trailing
 * update A22 <- Q_p^T A22 Q_p = A22 - Y W^T - W Y^T with X = A22 Y T, W = X - Y (T^T Y^T X) / 2 is two GEMMs on
 * onnxruntime, so almost all of the (4/3) n^3 flops run at BLAS speed instead of the memory-bound one-stage reduction's.
 */
export async function reduceToBand(a: Matrix, b: number): Promise<{ band: BandSymmetric; reflectors: BlockReflector[] }> {
  const n = a.rows;
  const band = new BandSymmetric(n, b);
  const reflectors: BlockReflector[] = [];
  let cur = matrix(n, n, Float64Array.from(a.data));
  let g0 = 0;
  for (;;) {
    const mc = cur.rows;
    if (mc <= b + 1) {
      for (let i = 0; i < mc; i++) for (let j = 0; j <= i; j++) band.set(g0 + i, g0 + j, cur.data[i * mc + j]);
      break;
    }
    const m = mc - b;
    // Diagonal block of the panel goes to the band as it is.
    for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) band.set(g0 + i, g0 + j, cur.data[i * mc + j]);
    const p = new Float64Array(m * b);
    for (let i = 0; i < m; i++) for (let j = 0; j < b; j++) p[i * b + j] = cur.data[(b + i) * mc + j];
    const { y, tau } = panelQr(p, m, b);
    const r = y.cols;
    for (let i = 0; i < r; i++) for (let j = i; j < b; j++) band.set(g0 + b + i, g0 + j, p[i * b + j]);
    const t = blockT(y, tau);
    reflectors.push({ offset: g0 + b, y, t });
    const a22 = matrix(m, m);
    for (let i = 0; i < m; i++) a22.data.set(cur.data.subarray((b + i) * mc + b, (b + i + 1) * mc), i * m);
    const x = await gemm(a22, await gemm(y, t));
    const m2 = gemmJs(t, await gemm(y, x, { transA: true }), { transA: true });
    const ym = await gemm(y, m2);
    const uv = matrix(m, 2 * r);
    const vu = matrix(m, 2 * r);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < r; c++) {
        const yv = y.data[i * r + c];
        const wv = x.data[i * r + c] - 0.5 * ym.data[i * r + c];
        uv.data[i * 2 * r + c] = yv;
        uv.data[i * 2 * r + r + c] = wv;
        vu.data[i * 2 * r + c] = wv;
        vu.data[i * 2 * r + r + c] = yv;
      }
    }
    cur = await gemmUpdate(a22, uv, vu, { transB: true, alpha: -1, beta: 1 });
    g0 += b;
  }
  return { band, reflectors };
}

/** In place on rows offset.. of the n x k block: M <- Q_p^T M (transpose) or Q_p M. */
export async function applyBlockReflector(q: BlockReflector, mat: Matrix, transpose: boolean): Promise<void> {
  const { offset, y, t } = q;
  const k = mat.cols;
  const m = y.rows;
  const sub = matrix(m, k, mat.data.subarray(offset * k, (offset + m) * k));
  // Q^T M = M - Y T^T (Y^T M);  Q M = M - Y T (Y^T M).
  const ytm = await gemm(y, sub, { transA: true });
  const tm = gemmJs(t, ytm, { transA: transpose });
  const upd = await gemm(y, tm);
  for (let i = 0; i < sub.data.length; i++) sub.data[i] -= upd.data[i];
}
