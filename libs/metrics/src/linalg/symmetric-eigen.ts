import { matrix, type Matrix } from './matrix';
import { applyQ, applyQTranspose, tridiagonalize, type Tridiagonal } from './householder-tridiagonal';
import { tridiagonalQl, type RotationLog } from './tridiagonal-ql';

/**
 * Symmetric eigendecomposition `A = V diag(values) V^T`, values in descending order.
 *
 * Householder tridiagonalisation (dsytd2) followed by implicit QL (tql2). The eigenvector matrix V is
 * never formed: `project(M) = V^T M` and `vectors(k) = V[:, :k]` replay the stored reflectors and rotations,
 * O(n^2 m) for m columns. Backward stable: the computed values are exact for A + E with ||E|| ~ n eps ||A||,
 * the same guarantee as LAPACK's dsyev.
 */
export class SymmetricEigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** order[r] = position (in the QL output) of the r-th largest eigenvalue. */
  private readonly order: Int32Array;

  private constructor(
    private readonly tri: Tridiagonal,
    private readonly rotations: RotationLog,
    raw: Float64Array,
  ) {
    const n = raw.length;
    const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => raw[j] - raw[i] || i - j);
    this.order = Int32Array.from(idx);
    this.values = Float64Array.from(idx, (i) => raw[i]);
  }

  static of(a: Matrix): SymmetricEigen {
    const tri = tridiagonalize(a);
    const d = Float64Array.from(tri.d);
    const rotations = tridiagonalQl(d, tri.e);
    return new SymmetricEigen(tri, rotations, d);
  }

  get n(): number {
    return this.values.length;
  }

  /** `V^T M` for M (n x m): row r is the coordinate along the r-th eigenvector (descending order). */
  project(M: Matrix): Matrix {
    if (M.rows !== this.n) throw new RangeError(`project: expected ${this.n} rows, got ${M.rows}`);
    const m = M.cols;
    const W = Float64Array.from(M.data);
    applyQTranspose(this.tri, W, m);
    this.rotations.applyTranspose(W, m);
    const out = new Float64Array(W.length);
    for (let r = 0; r < this.n; r++) out.set(W.subarray(this.order[r] * m, this.order[r] * m + m), r * m);
    return matrix(this.n, m, out);
  }

  /** The eigenvectors of the k largest eigenvalues as the columns of an n x k matrix (signs arbitrary). */
  vectors(k: number): Matrix {
    if (!Number.isInteger(k) || k < 0 || k > this.n) throw new RangeError(`vectors: k must be in [0, ${this.n}], got ${k}`);
    const W = new Float64Array(this.n * k);
    for (let c = 0; c < k; c++) W[this.order[c] * k + c] = 1;
    this.rotations.apply(W, k);
    applyQ(this.tri, W, k);
    return matrix(this.n, k, W);
  }
}
