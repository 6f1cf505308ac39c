import { matrix, type Matrix } from './matrix';

export class NotPositiveDefiniteError extends Error {
  override readonly name = 'NotPositiveDefiniteError';
}

/**
 * Lower Cholesky factor `L` with `A = L L^T` (LAPACK dpotrf semantics: only the lower triangle of A is read;
 * throws NotPositiveDefiniteError at the first non-positive pivot). Row-oriented Cholesky-Crout, (1/3) n^3 flops.
 */
export function cholesky(a: Matrix): Matrix {
  const n = a.rows;
  if (a.cols !== n) throw new RangeError(`cholesky: matrix must be square, got ${a.rows} x ${a.cols}`);
  const L = new Float64Array(n * n);
  const A = a.data;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (i === j) {
        if (!(s > 0)) throw new NotPositiveDefiniteError(`cholesky: leading minor ${i + 1} of ${n} is not positive definite`);
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j];
      }
    }
  }
  return matrix(n, n, L);
}

/** `L^{-1}` for lower-triangular L (forward substitution on the identity), (1/3) n^3 flops. */
export function invertLower(l: Matrix): Matrix {
  const n = l.rows;
  const L = l.data;
  // Column c of X = L^{-1} is built in row c of T = X^T, so the inner products read both operands contiguously.
  const T = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const rc = c * n;
    // Column c of L^{-1} is zero above the diagonal.
    T[rc + c] = 1 / L[rc + c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let k = c; k < i; k++) s -= L[ri + k] * T[rc + k];
      T[rc + i] = s / L[ri + i];
    }
  }
  const X = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) X[i * n + j] = T[j * n + i];
  return matrix(n, n, X);
}
