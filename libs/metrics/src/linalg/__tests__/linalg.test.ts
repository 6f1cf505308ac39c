import { describe, expect, it } from 'vitest';
import { cholesky, invertLower, NotPositiveDefiniteError } from '../cholesky';
import { gemm, gemmJs, syrk } from '../gemm';
import { fitGaussianMixture, mixturePosteriors } from '../gaussian-mixture';
import { kmeans } from '../kmeans';
import { matrix, type Matrix } from '../matrix';
import { mahalanobisSquared, mixtureSamples, weightedScatters } from '../mixture-kernels';
import { seededUniform } from '../random';
import { pinvSymmetric } from '../pinv';
import { SymmetricEigen } from '../symmetric-eigen';

function randomMatrix(rows: number, cols: number, seed: number, relu = false): Matrix {
  const r = seededUniform(seed);
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    const v = r() * 2 - 1;
    m.data[i] = relu ? Math.max(0, v) : v;
  }
  return m;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

describe('gemm', () => {
  it('onnxruntime Gemm equals the reference loop for every transpose combination', async () => {
    const a = randomMatrix(70, 90, 1);
    const b = randomMatrix(90, 80, 2);
    const at = randomMatrix(90, 70, 3);
    const bt = randomMatrix(80, 90, 4);
    for (const [x, y, o] of [
      [a, b, {}],
      [at, b, { transA: true }],
      [a, bt, { transB: true }],
      [at, bt, { transA: true, transB: true }],
    ] as const) {
      const fast = await gemm(x, y, o);
      const ref = gemmJs(x, y, o);
      expect(fast.rows).toBe(ref.rows);
      expect(fast.cols).toBe(ref.cols);
      const diff = fast.data.map((v, i) => v - ref.data[i]);
      expect(maxAbs(diff)).toBeLessThan(1e-13 * maxAbs(ref.data));
    }
  });

  it('syrk is the symmetric Gram matrix', async () => {
    const x = randomMatrix(200, 60, 5);
    const g = await syrk(x);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) expect(g.data[i * 60 + j]).toBe(g.data[j * 60 + i]);
    expect(g.data[0]).toBeCloseTo(x.data.filter((_, k) => k % 60 === 0).reduce((s, v) => s + v * v, 0), 12);
  });

  it('rejects mismatched inner dimensions', async () => {
    await expect(gemm(matrix(2, 3), matrix(2, 3))).rejects.toThrow(/inner dimensions differ/);
  });
});

describe('SymmetricEigen', () => {
  for (const n of [1, 2, 7, 64, 150]) {
    it(`n=${n}: A V = V diag(values) and V^T V = I to LAPACK-level residuals`, async () => {
      const x = randomMatrix(n + 20, n, 10 + n, true);
      const a = await syrk(x);
      const eig = await SymmetricEigen.of(a);
      const v = await eig.vectors(n);
      const av = gemmJs(a, v);
      const norm = maxAbs(eig.values);
      let res = 0;
      for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) res = Math.max(res, Math.abs(av.data[i * n + c] - v.data[i * n + c] * eig.values[c]));
      expect(res / norm).toBeLessThan(1e-14 * Math.max(1, n / 10));
      const vtv = gemmJs(v, v, { transA: true });
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(vtv.data[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
      for (let i = 1; i < n; i++) expect(eig.values[i]).toBeLessThanOrEqual(eig.values[i - 1]);
      // project(M) = V^T M
      const m = randomMatrix(n, 3, 99);
      const p = await eig.project(m);
      const ref = gemmJs(v, m, { transA: true });
      expect(maxAbs(p.data.map((q, i) => q - ref.data[i]))).toBeLessThan(1e-13 * Math.max(1, maxAbs(ref.data)));
    });
  }

  it('a diagonal matrix returns its diagonal sorted, and repeated eigenvalues are handled', async () => {
    const a = matrix(4, 4);
    [3, 1, 3, -2].forEach((v, i) => (a.data[i * 5] = v));
    expect(Array.from((await SymmetricEigen.of(a)).values)).toEqual([3, 3, 1, -2]);
  });

  it('two-stage reduction (n >= 384) agrees with the one-stage reduction on the same matrix', async () => {
    const n = 400;
    const a = await syrk(randomMatrix(450, n, 77, true));
    const big = await SymmetricEigen.of(a);
    const v = await big.vectors(8);
    const av = gemmJs(a, v);
    let res = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < 8; c++) res = Math.max(res, Math.abs(av.data[i * 8 + c] - v.data[i * 8 + c] * big.values[c]));
    expect(res / big.values[0]).toBeLessThan(1e-14);
    const vtv = gemmJs(v, v, { transA: true });
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(Math.abs(vtv.data[i * 8 + j] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
    // Trace is preserved by the reduction: sum of eigenvalues = sum of the diagonal.
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a.data[i * n + i];
    expect(Math.abs(big.values.reduce((s, x) => s + x, 0) - tr) / tr).toBeLessThan(1e-13);
  });

  it('rankOneUpdate gives the eigendecomposition of A + rho u u^T', async () => {
    const n = 60;
    const a = await syrk(randomMatrix(40, n, 5, true)); // rank-deficient, like D > N
    const u = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const rho = 2.5;
    const updated = await (await SymmetricEigen.of(a)).rankOneUpdate(u, rho);
    const direct = matrix(n, n, a.data.map((x, idx) => x + rho * u[Math.floor(idx / n)] * u[idx % n]));
    const ref = await SymmetricEigen.of(direct);
    const scale = ref.values[0];
    updated.values.forEach((x, i) => expect(Math.abs(x - ref.values[i]) / scale).toBeLessThan(1e-14));
    const v = await updated.vectors(n);
    const av = gemmJs(direct, v);
    let res = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) res = Math.max(res, Math.abs(av.data[i * n + c] - v.data[i * n + c] * updated.values[c]));
    expect(res / scale).toBeLessThan(1e-14);
  });
});

describe('cholesky', () => {
  it('L L^T = A and L^{-1} L = I', async () => {
    const x = randomMatrix(50, 20, 7);
    const a = await syrk(x);
    const l = cholesky(a);
    const llt = gemmJs(l, l, { transB: true });
    expect(maxAbs(llt.data.map((v, i) => v - a.data[i]))).toBeLessThan(1e-13 * maxAbs(a.data));
    const li = invertLower(l);
    const id = gemmJs(li, l);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) expect(Math.abs(id.data[i * 20 + j] - (i === j ? 1 : 0))).toBeLessThan(1e-12);
  });

  it('throws NotPositiveDefiniteError for an indefinite matrix', () => {
    const a = matrix(2, 2, Float64Array.from([1, 2, 2, 1]));
    expect(() => cholesky(a)).toThrow(NotPositiveDefiniteError);
  });
});

describe('kmeans', () => {
  it('recovers well-separated clusters and is reproducible for a seed', async () => {
    const r = seededUniform(3);
    const x = matrix(90, 2);
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      x.data[2 * i] = c * 10 + r();
      x.data[2 * i + 1] = -c * 10 + r();
    }
    const a = await kmeans(x, 3, { seed: 5 });
    const b = await kmeans(x, 3, { seed: 5 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    for (let i = 3; i < 90; i++) expect(a.labels[i]).toBe(a.labels[i % 3]);
    expect(new Set([a.labels[0], a.labels[1], a.labels[2]]).size).toBe(3);
  });
});

describe('blocked syrk', () => {
  it('equals the full product for a matrix wider than two blocks', async () => {
    const x = randomMatrix(30, 1100, 8);
    const g = await syrk(x);
    const ref = gemmJs(x, x, { transA: true });
    expect(maxAbs(g.data.map((v, i) => v - ref.data[i]))).toBeLessThan(1e-12 * maxAbs(ref.data));
    for (let i = 0; i < 1100; i += 37) for (let j = 0; j < 1100; j += 41) expect(g.data[i * 1100 + j]).toBe(g.data[j * 1100 + i]);
  });
});

describe('pinvSymmetric', () => {
  it('A pinv(A) A = A and the rank follows numpy cutoff on a rank-deficient matrix', async () => {
    const x = randomMatrix(12, 30, 21); // rank 12 covariance-like 30 x 30
    const a = await syrk(x);
    const { pinv, rank } = await pinvSymmetric(await SymmetricEigen.of(a));
    expect(rank).toBe(12);
    const apa = gemmJs(gemmJs(a, pinv), a);
    expect(maxAbs(apa.data.map((v, i) => v - a.data[i]))).toBeLessThan(1e-12 * maxAbs(a.data));
    const pap = gemmJs(gemmJs(pinv, a), pinv);
    expect(maxAbs(pap.data.map((v, i) => v - pinv.data[i]))).toBeLessThan(1e-10 * maxAbs(pinv.data));
  });
});

describe('fitGaussianMixture batching', () => {
  it('gives the same fit whether components are processed one per batch or all at once', async () => {
    const x = randomMatrix(2000, 10, 31);
    const initLabels = Int32Array.from({ length: 2000 }, (_, i) => i % 5);
    const all = await fitGaussianMixture(x, { nComponents: 5, initLabels });
    const one = await fitGaussianMixture(x, { nComponents: 5, initLabels, batchElements: 2000 * 10 });
    expect(one.nIter).toBe(all.nIter);
    expect(Math.abs(one.lowerBound - all.lowerBound)).toBeLessThan(1e-12 * Math.abs(all.lowerBound));
    const pa = await mixturePosteriors(x, all);
    const po = await mixturePosteriors(x, one, 2000 * 10);
    expect(maxAbs(pa.data.map((v, i) => v - po.data[i]))).toBeLessThan(1e-12);
  });
});

describe('mixture kernels', () => {
  for (const d of [1, 2, 21]) {
    it(`weightedScatters equals sum_i w_ki (x_i - mu_k)(x_i - mu_k)^T and mahalanobisSquared ||(x_i - mu_k) P_k||^2 (d = ${d})`, async () => {
      const n = 150;
      const b = 3;
      const x = randomMatrix(n, d, 51 + d);
      // Means away from the origin: the one-sided scatter's correction term s_k mu_k^T must matter.
      const means = randomMatrix(b, d, 52 + d);
      means.data.forEach((v, i) => (means.data[i] = 3 + v));
      const weights = randomMatrix(b, n, 53 + d);
      weights.data.forEach((v, i) => (weights.data[i] = Math.abs(v)));
      // Upper-triangular factors with a positive diagonal, as precision Cholesky factors are.
      const factors = randomMatrix(b, d * d, 54 + d).data;
      for (let k = 0; k < b; k++) for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) factors[k * d * d + i * d + j] = i === j ? 1 + Math.abs(factors[k * d * d + i * d + j]) : 0;
      const samples = mixtureSamples(x);
      const g = await weightedScatters(samples, means, weights);
      const q = await mahalanobisSquared(samples, factors, means);
      for (let k = 0; k < b; k++) {
        const ref = new Float64Array(d * d);
        for (let i = 0; i < n; i++) {
          for (let r = 0; r < d; r++) {
            for (let c = 0; c < d; c++) {
              ref[r * d + c] += weights.data[k * n + i] * (x.data[i * d + r] - means.data[k * d + r]) * (x.data[i * d + c] - means.data[k * d + c]);
            }
          }
          let qi = 0;
          for (let j = 0; j < d; j++) {
            let y = 0;
            for (let a = 0; a < d; a++) y += (x.data[i * d + a] - means.data[k * d + a]) * factors[k * d * d + a * d + j];
            qi += y * y;
          }
          expect(Math.abs(q.data[k * n + i] - qi)).toBeLessThan(1e-12 * Math.max(1, qi));
        }
        const got = g.subarray(k * d * d, (k + 1) * d * d);
        expect(maxAbs(got.map((v, i) => v - ref[i]))).toBeLessThan(1e-12 * maxAbs(ref));
        // Exactly symmetric: the upper triangle is the lower one mirrored.
        for (let r = 0; r < d; r++) for (let c = 0; c < r; c++) expect(got[c * d + r]).toBe(got[r * d + c]);
      }
    });
  }

  it('refuse shapes that do not match', async () => {
    const samples = mixtureSamples(randomMatrix(10, 4, 55));
    await expect(weightedScatters(samples, randomMatrix(2, 3, 56), randomMatrix(2, 10, 57))).rejects.toThrow(/means have 3 columns, samples 4/);
    await expect(weightedScatters(samples, randomMatrix(2, 4, 56), randomMatrix(2, 9, 57))).rejects.toThrow(/weights are 2 x 9, expected 2 x 10/);
    await expect(mahalanobisSquared(samples, new Float64Array(5), randomMatrix(2, 4, 58))).rejects.toThrow(/2 factors of 4 x 4 expected/);
  });
});
