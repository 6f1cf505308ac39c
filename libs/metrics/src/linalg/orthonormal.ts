import { gemm } from './gemm';
import { transpose, type Matrix } from './matrix';
import { SymmetricEigen } from './symmetric-eigen';

/**
 * Orthonormal basis of the column space of y (m x r, m >= r) by two rounds of Gram-matrix orthonormalisation
 * (y U diag(mu)^-1/2 from eig(y^T y), the eigen form of CholQR2): the second round restores orthogonality to ~eps
 * for columns with condition up to ~1e6. Directions with Gram eigenvalue <= 1e-12 of the largest are dropped, so the
 * result may have fewer columns. O(m r^2) in two GEMMs and an r x r eigensolve per round. For randomised subspace
 * iterations, which orthonormalise after every product (one round suffices between products: it keeps the basis
 * well conditioned, which is all the next product needs).
 */
export async function orthonormalColumns(y: Matrix, rounds = 2): Promise<Matrix> {
  let q = y;
  for (let round = 0; round < rounds; round++) {
    // q^T q as a plain product on the transposed copy (MLAS's skinny transA GEMM is several times slower).
    const eig = await SymmetricEigen.of(await gemm(transpose(q), q));
    let keep = 0;
    while (keep < eig.values.length && eig.values[keep] > 1e-12 * eig.values[0]) keep++;
    const u = await eig.vectors(keep);
    for (let r = 0; r < keep; r++) {
      const f = 1 / Math.sqrt(eig.values[r]);
      for (let j = 0; j < u.rows; j++) u.data[j * keep + r] *= f;
    }
    q = await gemm(q, u);
  }
  return q;
}
