/**
 * Eigenvalues of a symmetric tridiagonal matrix by the implicit QL method with Wilkinson-type shifts
 * (EISPACK tql2, as in JAMA), recording every plane rotation instead of accumulating an n x n matrix.
 *
 * Why record: the scores need all eigenvalues but only a few eigenvector-related quantities (projections
 * of C class-mean vectors, or k << n leading eigenvectors). With the rotations stored, `Z^T W` and
 * `Z E_J` cost O(n^2 m) for an n x m block instead of the O(n^3) of accumulating Z.
 */

import { RotationLog } from './rotation-log';

export class ConvergenceError extends Error {
  override readonly name = 'ConvergenceError';
}

/**
 * Diagonalises the tridiagonal (d, e) in place: on return d holds the eigenvalues (unsorted) and the returned
 * log holds Z with `T = Z diag(d) Z^T`. `e[i]` couples i and i+1. O(n^2) flops plus the log.
 */
export function tridiagonalQl(d: Float64Array, eIn: Float64Array): RotationLog {
  const n = d.length;
  const log = new RotationLog();
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = eIn[i];
  const eps = Number.EPSILON;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new ConvergenceError(`tridiagonal QL did not converge for eigenvalue ${l} of ${n}`);
        // Shift from the leading 2 x 2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL sweep from m-1 down to l.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          // Columns i, i+1 of Z: z_i <- c z_i - s z_{i+1}, z_{i+1} <- s z_i + c z_{i+1}.
          log.push(i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  return log;
}
