import { checkFeatures, checkLabels, type CheckedLabels } from './input';
import { gemm, syrk } from './linalg/gemm';
import { columnMeans, matrix, subtractRow, type Matrix } from './linalg/matrix';
import { SymmetricEigen } from './linalg/symmetric-eigen';

/**
 * The expensive intermediates of the feature-based scores, each computed at most once and shared:
 * centred features and their scatter X_c^T X_c (O(N D^2), onnxruntime GEMM), the eigendecomposition of the
 * covariance (H-score, regularised H-score, PCA for GBC and N-LEEP) and of the uncentred Gram X^T X (LogME),
 * which is the scatter plus the rank-one N mu mu^T and so needs no second O(N D^2) product.
 */
export class FeatureAnalysis {
  readonly n: number;
  readonly d: number;
  readonly labels: CheckedLabels;
  /** Column means, length D. */
  readonly mean: Float64Array;
  /** C x D class means. */
  readonly classMeans: Matrix;
  private readonly memo = new Map<string, Promise<unknown>>();
  private widestPca: { k: number; scores: Promise<Matrix> } | undefined;

  constructor(readonly features: Matrix, labels: ArrayLike<number>) {
    checkFeatures(features);
    this.labels = checkLabels(labels, features.rows);
    this.n = features.rows;
    this.d = features.cols;
    this.mean = columnMeans(features);
    const C = this.labels.classes;
    const sums = new Float64Array(C * this.d);
    for (let i = 0; i < this.n; i++) {
      const off = this.labels.labels[i] * this.d;
      for (let j = 0; j < this.d; j++) sums[off + j] += features.data[i * this.d + j];
    }
    for (let c = 0; c < C; c++) for (let j = 0; j < this.d; j++) sums[c * this.d + j] /= this.labels.counts[c];
    this.classMeans = matrix(C, this.d, sums);
  }

  private once<T>(key: string, f: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = f();
      this.memo.set(key, p);
    }
    return p;
  }

  /** X - 1 mu^T (two-pass centring, as np.cov does: one-pass covariances lose the small eigenvalues). */
  centred(): Promise<Matrix> {
    return this.once('centred', async () => subtractRow(this.features, this.mean));
  }

  /** X_c^T X_c, D x D. */
  scatter(): Promise<Matrix> {
    return this.once('scatter', async () => syrk(await this.centred()));
  }

  /** Eigendecomposition of cov(X) = X_c^T X_c / (N - 1), the np.cov of the reference H-score. */
  covarianceEigen(): Promise<SymmetricEigen> {
    return this.once('covEigen', async () => {
      const s = await this.scatter();
      const inv = 1 / (this.n - 1);
      return SymmetricEigen.of(matrix(this.d, this.d, s.data.map((v) => v * inv)));
    });
  }

  /** D x C matrix whose column c is mu_c - mu. */
  classMeanDeviations(): Matrix {
    const C = this.labels.classes;
    const out = matrix(this.d, C);
    for (let c = 0; c < C; c++) for (let j = 0; j < this.d; j++) out.data[j * C + c] = this.classMeans.data[c * this.d + j] - this.mean[j];
    return out;
  }

  /** V^T (mu_c - mu) in the covariance eigenbasis, D x C (descending eigenvalue order). */
  classMeanDeviationsInCovarianceBasis(): Promise<Matrix> {
    return this.once('covProj', async () => (await this.covarianceEigen()).project(this.classMeanDeviations()));
  }

  /**
   * Eigendecomposition of the uncentred Gram divided by N - 1: X^T X / (N - 1) = cov + N/(N - 1) mu mu^T, a rank-one
   * update of the covariance's decomposition (O(D^2), no second O(D^3) reduction). LogME scales the values back.
   */
  gramEigen(): Promise<SymmetricEigen> {
    return this.once('gramEigen', async () => (await this.covarianceEigen()).rankOneUpdate(this.mean, this.n / (this.n - 1)));
  }

  /**
   * PCA scores X_c V_k (N x k) on the k leading covariance eigenvectors (exact, full-SVD semantics; signs arbitrary).
   * The widest request is kept and narrower ones are its leading columns, so GBC's 64 and N-LEEP's k share one
   * eigenvector replay and one GEMM.
   */
  async pcaScores(k: number): Promise<Matrix> {
    if (!this.widestPca || this.widestPca.k < k) {
      const compute = async (): Promise<Matrix> => {
        const eig = await this.covarianceEigen();
        return gemm(await this.centred(), await eig.vectors(k));
      };
      this.widestPca = { k, scores: compute() };
    }
    const all = await this.widestPca.scores;
    if (all.cols === k) return all;
    const out = matrix(all.rows, k);
    for (let i = 0; i < all.rows; i++) out.data.set(all.data.subarray(i * all.cols, i * all.cols + k), i * k);
    return out;
  }
}
