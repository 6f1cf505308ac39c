import { matrix, type Matrix } from './matrix';
import { type SymmetricEigen } from './symmetric-eigen';

/** numpy's `pinv(a, rcond=1e-15)` cutoff, relative to the largest singular value. */
export const NUMPY_PINV_RCOND = 1e-15;

/**
 * Moore-Penrose pseudo-inverse of a symmetric matrix from its eigendecomposition, with numpy's cutoff semantics:
 * singular values |lambda_i| <= rcond * max |lambda| are treated as zero. O(n^2 r) for rank r.
 *
 * @returns the pseudo-inverse and the rank kept.
 */
export async function pinvSymmetric(eig: SymmetricEigen, rcond = NUMPY_PINV_RCOND): Promise<{ pinv: Matrix; rank: number }> {
  const n = eig.n;
  let maxAbs = 0;
  for (const v of eig.values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const keep: number[] = [];
  eig.values.forEach((v, i) => {
    if (Math.abs(v) > rcond * maxAbs) keep.push(i);
  });
  // Kept eigenvalues are the leading and trailing ones (descending order); take all vectors and select.
  const v = await eig.vectors(n);
  const out = matrix(n, n);
  for (const r of keep) {
    const inv = 1 / eig.values[r];
    for (let i = 0; i < n; i++) {
      const vi = v.data[i * n + r] * inv;
      if (vi === 0) continue;
      for (let j = 0; j < n; j++) out.data[i * n + j] += vi * v.data[j * n + r];
    }
  }
  return { pinv: out, rank: keep.length };
}
