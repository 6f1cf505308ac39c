import { RotationLog } from './rotation-log';

/**
 * A symmetric band matrix (lower half-bandwidth b) reduced to tridiagonal form by Givens rotations with bulge chasing
 * (Schwarz's algorithm, the method of LAPACK's dsbtrd), O(n^2 b) flops. Every rotation acts on adjacent rows/columns
 * (p-1, p) and is recorded in a RotationLog, so the reduction composes with the tridiagonal QL's log.
 *
 * Storage: row i holds A[i][i-k] for k = 0..b+1 (one extra diagonal for the transient bulge).
 */
export class BandSymmetric {
  readonly width: number;
  readonly data: Float64Array;
  readonly log = new RotationLog();

  constructor(
    readonly n: number,
    readonly b: number,
  ) {
    this.width = b + 2;
    this.data = new Float64Array(n * this.width);
  }

  /** A[i][j] for i >= j (0 outside the stored band). */
  get(i: number, j: number): number {
    const k = i - j;
    return k < this.width ? this.data[i * this.width + k] : 0;
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.width + (i - j)] = v;
  }

  /**
   * A <- G A G^T with G = [[c, s], [-s, c]] on rows/columns (p-1, p); `colLo` is the first column where rows p-1, p may be
   * non-zero left of the 2 x 2 block. Logs the rotation so that A_before = Z A_after Z^T.
   */
  rotate(p: number, c: number, s: number, colLo: number): void {
    const W = this.width;
    const D = this.data;
    const r0 = (p - 1) * W;
    const r1 = p * W;
    // Left part: columns colLo..p-2 of rows p-1 and p.
    for (let k = colLo; k <= p - 2; k++) {
      const i0 = r0 + (p - 1 - k);
      const i1 = r1 + (p - k);
      const a1 = D[i0];
      const a2 = D[i1];
      D[i0] = c * a1 + s * a2;
      D[i1] = -s * a1 + c * a2;
    }
    // The 2 x 2 diagonal block.
    const x = D[r0];
    const y = D[r1 + 1];
    const z = D[r1];
    const cc = c * c;
    const ss = s * s;
    const cs = c * s;
    D[r0] = cc * x + 2 * cs * y + ss * z;
    D[r1] = ss * x - 2 * cs * y + cc * z;
    D[r1 + 1] = (cc - ss) * y + cs * (z - x);
    // Below: rows p+1..min(p+b, n-1), columns p-1 and p (row p+b gains the bulge at column p-1).
    const last = Math.min(p + this.b, this.n - 1);
    for (let r = p + 1; r <= last; r++) {
      const i0 = r * W + (r - p + 1);
      const i1 = r * W + (r - p);
      const a1 = D[i0];
      const a2 = D[i1];
      D[i0] = c * a1 + s * a2;
      D[i1] = -s * a1 + c * a2;
    }
    this.log.push(p - 1, c, -s);
  }

  /** Rotates (p-1, p) so that A[p][q] becomes 0 (using A[p-1][q]). */
  annihilate(p: number, q: number): void {
    const a = this.get(p - 1, q);
    const bq = this.get(p, q);
    if (bq === 0) return;
    const r = Math.hypot(a, bq);
    this.rotate(p, a / r, bq / r, q);
    this.set(p, q, 0);
  }

  /** Chases a bulge at (p + b, p - 1) created by a rotation in plane (p-1, p) down and out of the matrix. */
  chase(p: number): void {
    for (let q = p + this.b; q < this.n; q += this.b) {
      if (this.get(q, q - this.b - 1) === 0) break;
      this.annihilate(q, q - this.b - 1);
    }
  }

  /** Reduces to tridiagonal form in place; returns the diagonal and sub-diagonal (e[i] couples i and i+1). */
  toTridiagonal(): { d: Float64Array; e: Float64Array } {
    const { n, b } = this;
    if (b > 1) {
      for (let j = 0; j < n - 2; j++) {
        for (let i = Math.min(j + b, n - 1); i >= j + 2; i--) {
          if (this.get(i, j) === 0) continue;
          this.annihilate(i, j);
          this.chase(i);
        }
      }
    }
    return this.tridiagonal();
  }

  tridiagonal(): { d: Float64Array; e: Float64Array } {
    const d = new Float64Array(this.n);
    const e = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      d[i] = this.get(i, i);
      if (i + 1 < this.n) e[i] = this.get(i + 1, i);
    }
    return { d, e };
  }
}

/**
 * Tridiagonal form of diag(values) + z z^T by Givens rotations that turn z into |z| e_0 from the bottom up, chasing each
 * rotation's bulge out of the (b = 1) band: O(n^2) flops. Returns the band (with its rotation log) and T = band + |z|^2 e_0 e_0^T.
 */
export function diagonalPlusRankOneToTridiagonal(values: Float64Array, zIn: Float64Array): { band: BandSymmetric; d: Float64Array; e: Float64Array } {
  const n = values.length;
  const band = new BandSymmetric(n, 1);
  for (let i = 0; i < n; i++) band.set(i, i, values[i]);
  const z = Float64Array.from(zIn);
  for (let k = n - 2; k >= 0; k--) {
    const a = z[k];
    const bb = z[k + 1];
    if (bb === 0) continue;
    const r = Math.hypot(a, bb);
    const c = a / r;
    const s = bb / r;
    z[k] = r;
    z[k + 1] = 0;
    // Rows k..n-1 are tridiagonal, row k is still diagonal: the rotation only creates the bulge at (k+2, k).
    band.rotate(k + 1, c, s, k + 1);
    band.chase(k + 1);
  }
  const { d, e } = band.tridiagonal();
  d[0] += z[0] * z[0];
  return { band, d, e };
}
