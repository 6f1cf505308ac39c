import { applyBlockReflector, reduceToBand, type BlockReflector } from './band-reduction';
import { diagonalPlusRankOneToTridiagonal, type BandSymmetric } from './band-tridiagonal';
import { applyQ, applyQTranspose, tridiagonalize } from './householder-tridiagonal';
import { matrix, type Matrix } from './matrix';
import { type RotationLog } from './rotation-log';
import { tridiagonalQl } from './tridiagonal-ql';

/** An orthogonal n x n matrix B known only through its action (reflectors, rotation logs). */
interface OrthogonalBasis {
  /** B^T M. */
  transposeTimes(m: Matrix): Promise<Matrix>;
  /** B X. */
  times(x: Matrix): Promise<Matrix>;
}

/** Below this order the one-stage reduction (all in plain loops) beats the two-stage one's GEMM round trips. */
const TWO_STAGE_MIN_N = 384;
/** Half-bandwidth of the intermediate band matrix: trades GEMM efficiency (larger) against O(n^2 b) bulge chasing. */
const BAND_WIDTH = 32;

function copy(m: Matrix): Matrix {
  return matrix(m.rows, m.cols, Float64Array.from(m.data));
}

function householderBasis(a: Matrix): { d: Float64Array; e: Float64Array; basis: OrthogonalBasis } {
  const tri = tridiagonalize(a);
  return {
    d: Float64Array.from(tri.d),
    e: tri.e,
    basis: {
      async transposeTimes(m) {
        const w = copy(m);
        applyQTranspose(tri, w.data, w.cols);
        return w;
      },
      async times(x) {
        const w = copy(x);
        applyQ(tri, w.data, w.cols);
        return w;
      },
    },
  };
}

async function twoStageBasis(a: Matrix): Promise<{ d: Float64Array; e: Float64Array; basis: OrthogonalBasis }> {
  const { band, reflectors } = await reduceToBand(a, BAND_WIDTH);
  const { d, e } = band.toTridiagonal();
  return { d, e, basis: bandBasis(band, reflectors) };
}

function bandBasis(band: BandSymmetric, reflectors: readonly BlockReflector[]): OrthogonalBasis {
  return {
    async transposeTimes(m) {
      const w = copy(m);
      for (const q of reflectors) await applyBlockReflector(q, w, true);
      band.log.applyTranspose(w.data, w.cols);
      return w;
    },
    async times(x) {
      const w = copy(x);
      band.log.apply(w.data, w.cols);
      for (let i = reflectors.length - 1; i >= 0; i--) await applyBlockReflector(reflectors[i], w, false);
      return w;
    },
  };
}

/**
 * Symmetric eigendecomposition `A = V diag(values) V^T`, values in descending order.
 *
 * Reduction to tridiagonal form, then implicit QL (tql2) whose rotations are logged rather than accumulated:
 * small matrices use the one-stage Householder reduction (dsytd2); from n = 384 the two-stage reduction (dense -> band by
 * blocked Householder with GEMM updates on onnxruntime, band -> tridiagonal by Givens bulge chasing, as LAPACK's
 * dsytrd_2stage). V is never formed: `project(M) = V^T M` and `vectors(k)` replay the reflectors and rotations,
 * O(n^2 m) for m columns. Backward stable: the computed values are exact for A + E with ||E|| ~ n eps ||A||.
 */
export class SymmetricEigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** order[r] = position (in the QL output) of the r-th largest eigenvalue. */
  private readonly order: Int32Array;

  private constructor(
    private readonly basis: OrthogonalBasis,
    private readonly rotations: RotationLog,
    raw: Float64Array,
  ) {
    const n = raw.length;
    const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => raw[j] - raw[i] || i - j);
    this.order = Int32Array.from(idx);
    this.values = Float64Array.from(idx, (i) => raw[i]);
  }

  private static fromTridiagonal(d: Float64Array, e: Float64Array, basis: OrthogonalBasis): SymmetricEigen {
    const rotations = tridiagonalQl(d, e);
    return new SymmetricEigen(basis, rotations, d);
  }

  static async of(a: Matrix): Promise<SymmetricEigen> {
    if (a.rows !== a.cols) throw new RangeError(`SymmetricEigen: matrix must be square, got ${a.rows} x ${a.cols}`);
    const { d, e, basis } = a.rows >= TWO_STAGE_MIN_N ? await twoStageBasis(a) : householderBasis(a);
    return SymmetricEigen.fromTridiagonal(d, e, basis);
  }

  get n(): number {
    return this.values.length;
  }

  /** `V^T M` for M (n x m): row r is the coordinate along the r-th eigenvector (descending order). */
  async project(m: Matrix): Promise<Matrix> {
    if (m.rows !== this.n) throw new RangeError(`project: expected ${this.n} rows, got ${m.rows}`);
    const k = m.cols;
    const w = await this.basis.transposeTimes(m);
    this.rotations.applyTranspose(w.data, k);
    const out = new Float64Array(w.data.length);
    for (let r = 0; r < this.n; r++) out.set(w.data.subarray(this.order[r] * k, this.order[r] * k + k), r * k);
    return matrix(this.n, k, out);
  }

  /** `V X` for X (n x m) given in eigen-coordinates (row r = coefficient of the r-th eigenvector). */
  async times(x: Matrix): Promise<Matrix> {
    if (x.rows !== this.n) throw new RangeError(`times: expected ${this.n} rows, got ${x.rows}`);
    const k = x.cols;
    const w = new Float64Array(x.data.length);
    for (let r = 0; r < this.n; r++) w.set(x.data.subarray(r * k, r * k + k), this.order[r] * k);
    this.rotations.apply(w, k);
    return this.basis.times(matrix(this.n, k, w));
  }

  /** The eigenvectors of the k largest eigenvalues as the columns of an n x k matrix (signs arbitrary). */
  vectors(k: number): Promise<Matrix> {
    if (!Number.isInteger(k) || k < 0 || k > this.n) throw new RangeError(`vectors: k must be in [0, ${this.n}], got ${k}`);
    const e = matrix(this.n, k);
    for (let c = 0; c < k; c++) e.data[c * k + c] = 1;
    return this.times(e);
  }

  /**
   * The eigendecomposition of A + rho u u^T (rho >= 0) from this one in O(n^2) plus one projection: in this eigenbasis
   * the update is diag(values) + z z^T with z = sqrt(rho) V^T u, reduced to tridiagonal form by Givens rotations
   * (turning z into |z| e_1 and chasing the bulges) and diagonalised by QL. Used for the uncentred Gram of LogME,
   * X^T X = X_c^T X_c + N mu mu^T, so one reduction of the covariance serves every score.
   */
  async rankOneUpdate(u: Float64Array, rho: number): Promise<SymmetricEigen> {
    if (!(rho >= 0)) throw new RangeError(`rankOneUpdate: rho must be >= 0, got ${rho}`);
    const zc = await this.project(matrix(this.n, 1, Float64Array.from(u)));
    const z = zc.data.map((v) => v * Math.sqrt(rho));
    const { band, d, e } = diagonalPlusRankOneToTridiagonal(this.values, z);
    const basis: OrthogonalBasis = {
      transposeTimes: async (m) => {
        const w = await this.project(m);
        band.log.applyTranspose(w.data, w.cols);
        return w;
      },
      times: async (x) => {
        const w = copy(x);
        band.log.apply(w.data, w.cols);
        return this.times(w);
      },
    };
    return SymmetricEigen.fromTridiagonal(d, e, basis);
  }
}
