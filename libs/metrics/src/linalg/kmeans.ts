import { gemm } from './gemm';
import { matrix, type Matrix } from './matrix';
import { seededUniform } from './random';

export interface KMeansOptions {
  seed?: number;
  maxIter?: number;
  /** Relative tolerance: stop when the squared centre shift is at most tol * mean feature variance (sklearn's rule). */
  tol?: number;
}

export interface KMeansResult {
  labels: Int32Array;
  centers: Matrix;
  inertia: number;
  nIter: number;
}

function sqDist(X: Float64Array, i: number, C: Float64Array, c: number, d: number): number {
  let s = 0;
  const a = i * d;
  const b = c * d;
  for (let j = 0; j < d; j++) {
    const t = X[a + j] - C[b + j];
    s += t * t;
  }
  return s;
}

/**
 * k-means (Lloyd) with greedy k-means++ seeding (Arthur & Vassilvitskii 2007; 2 + ln k local trials per centre,
 * as scikit-learn does), seeded for reproducibility. O(N k d) per iteration.
 */
export async function kmeans(x: Matrix, k: number, options: KMeansOptions = {}): Promise<KMeansResult> {
  const n = x.rows;
  const d = x.cols;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`kmeans: k must be in [1, ${n}], got ${k}`);
  const rand = seededUniform(options.seed ?? 0);
  const X = x.data;
  const C = new Float64Array(k * d);
  const xNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < d; j++) t += X[i * d + j] ** 2;
    xNorm[i] = t;
  }
  // k-means++ seeding. Squared distances to candidates as |x|^2 - 2 x.c + |c|^2 with the cross terms of all of a
  // step's trials in one GEMM, clipped at 0 (scikit-learn's _euclidean_distances).
  const first = Math.floor(rand() * n);
  C.set(X.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(X, i, C, 0, d);
    pot += closest[i];
  }
  const trials = 2 + Math.floor(Math.log(k));
  const picks = new Int32Array(trials);
  const candidates = matrix(trials, d);
  const trialClosest = new Float64Array(trials * n);
  for (let c = 1; c < k; c++) {
    for (let t = 0; t < trials; t++) {
      const r = rand() * pot;
      let acc = 0;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        acc += closest[i];
        if (acc > r) {
          pick = i;
          break;
        }
      }
      picks[t] = pick;
      candidates.data.set(X.subarray(pick * d, pick * d + d), t * d);
    }
    const cross = await gemm(x, candidates, { transB: true });
    let bestPot = Infinity;
    let best = 0;
    for (let t = 0; t < trials; t++) {
      const cNorm = xNorm[picks[t]];
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(closest[i], Math.max(0, xNorm[i] - 2 * cross.data[i * trials + t] + cNorm));
        trialClosest[t * n + i] = v;
        p += v;
      }
      if (p < bestPot) {
        bestPot = p;
        best = t;
      }
    }
    C.set(X.subarray(picks[best] * d, picks[best] * d + d), c * d);
    closest.set(trialClosest.subarray(best * n, (best + 1) * n));
    pot = bestPot;
  }
  // Tolerance relative to the data's mean variance.
  let meanVar = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += X[i * d + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + j] - m) ** 2;
    meanVar += v / n;
  }
  const tol = (options.tol ?? 1e-4) * (meanVar / d);
  const maxIter = options.maxIter ?? 300;
  const labels = new Int32Array(n);
  const counts = new Float64Array(k);
  const next = new Float64Array(k * d);
  let iter = 0;
  let inertia = 0;
  // Squared distances as |x|^2 - 2 x.c + |c|^2 with the cross term as one GEMM (the O(N k d) part of each iteration).
  const assign = async (): Promise<void> => {
    const xc = await gemm(x, matrix(k, d, C), { transB: true });
    const cNorm = new Float64Array(k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) cNorm[c] += C[c * d + j] ** 2;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = xNorm[i] - 2 * xc.data[i * k + c] + cNorm[c];
        if (dist < bd) {
          bd = dist;
          best = c;
        }
      }
      labels[i] = best;
      inertia += Math.max(bd, 0);
    }
  };
  for (iter = 1; iter <= maxIter; iter++) {
    await assign();
    next.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) next[c * d + j] += X[i * d + j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        // An empty cluster keeps its centre (sklearn relocates it; with k-means++ seeding this is rare).
        const v = counts[c] > 0 ? next[c * d + j] / counts[c] : C[c * d + j];
        shift += (v - C[c * d + j]) ** 2;
        C[c * d + j] = v;
      }
    }
    if (shift <= tol) break;
  }
  await assign();
  return { labels, centers: { rows: k, cols: d, data: C }, inertia, nIter: Math.min(iter, maxIter) };
}
