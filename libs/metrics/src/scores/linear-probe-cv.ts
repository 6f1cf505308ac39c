import { FeatureAnalysis } from '../analysis';
import { MetricInputError } from '../errors';
import { gemm } from '../linalg/gemm';
import { matrix, transpose, type Matrix } from '../linalg/matrix';
import { seededUniform } from '../linalg/random';

export interface LinearProbeCvOptions {
  /** Number of stratified folds (default 5). */
  folds?: number;
  /** Seed of the fold shuffle (default 0). */
  seed?: number;
  /** Inverse L2 strength, scikit-learn's C (default 1). */
  inverseRegularisation?: number;
  /** Explicit fold of each sample (length N, integers in [0, folds)); replaces the seeded stratified assignment. */
  foldOf?: ArrayLike<number>;
  /** L-BFGS stops when max |gradient| <= this (default 1e-6; the objective is a sum over samples). */
  gradientTolerance?: number;
  /** L-BFGS iteration cap per fold (default 2000). */
  maxIterations?: number;
}

export interface LinearProbeFold {
  accuracy: number;
  /** Training objective at the solution: sum of cross-entropies + |W|^2 / (2 C). */
  objective: number;
  /** Mean cross-entropy on the held-out fold. */
  testLogLoss: number;
  iterations: number;
  converged: boolean;
}

export interface LinearProbeCvResult {
  /** Held-out accuracy over all samples (correct / N), in [0, 1]. */
  value: number;
  perFold: LinearProbeFold[];
  foldOf: Int32Array;
}

const HISTORY = 10;
const ARMIJO = 1e-4;

/**
 * Linear-probe accuracy, cross-validated: stratified k-fold accuracy of an L2-regularised multinomial logistic regression
 * on standardised features (variant `multinomial-l2-c1`). A baseline (the linear evaluation of Kornblith et al.), not a
 * transferability score of its own.
 *
 * @param features N x D, finite.
 * @param labels length N, integers in [0, C), every class present, C >= 2, each class with >= `folds` samples.
 * @param options folds (5), seed (0), inverse regularisation C (1), explicit `foldOf`, solver tolerance and cap.
 * @returns held-out accuracy (plain: correct / N; higher = better) with per-fold accuracy, objective, log-loss and
 *   L-BFGS iterations.
 * @throws MetricInputError for bad input; `too_few_samples` when a class has fewer samples than folds.
 *
 * **Definition.** Folds: each class's samples are shuffled (seeded) and dealt round-robin to the folds, the deal
 * continuing from class to class, so every fold has each class's share within one sample. Per fold, the training part is
 * standardised (column mean and population standard deviation of the training rows; a column that is constant to
 * round-off, as scikit-learn's StandardScaler decides it, keeps scale 1) and the test part with the same statistics;
 * (W, b) minimise sum_i [log sum_c exp(z_ic) - z_{i y_i}] + |W|_F^2 / (2 C) with z_i = W^T x_i + b (intercept not
 * penalised; softmax over all C classes, also for C = 2); the prediction is argmax_c z_ic (ties: lowest c).
 * The problem is strictly convex in W, so the solution does not depend on the solver; we use L-BFGS (memory 10,
 * backtracking Armijo line search) until max |gradient| <= 1e-6, each iteration two GEMMs (X W and X^T (P - Y)),
 * O(N D C) flops.
 *
 * **Reference behaviour.** On the golden cases, with scikit-learn's StratifiedKFold(5, shuffle=True, random_state=0)
 * folds passed as `foldOf`, equal to StandardScaler + LogisticRegression(C=1, multi_class='multinomial', solver='lbfgs',
 * tol=1e-10): the same predictions, the training objective to 1e-8 relative (fixtures). scikit-learn's defaults
 * (tol=1e-4, max_iter=100, binary problems one-vs-rest) stop earlier or solve a different problem for C = 2.
 *
 * **References.** S. Kornblith, J. Shlens, Q. V. Le, "Do Better ImageNet Models Transfer Better?", CVPR 2019.
 * https://arxiv.org/abs/1805.08974 ; D. C. Liu, J. Nocedal, "On the limited memory BFGS method for large scale
 * optimization", Math. Programming 45, 1989.
 *
 * @example
 * // golden case binary_well_separated, scikit-learn's folds: 1
 * const { value } = await linearProbeCv(features, labels);
 */
export async function linearProbeCv(features: Matrix, labels: ArrayLike<number>, options: LinearProbeCvOptions = {}): Promise<LinearProbeCvResult> {
  return linearProbeCvFromAnalysis(new FeatureAnalysis(features, labels), options);
}

export async function linearProbeCvFromAnalysis(a: FeatureAnalysis, options: LinearProbeCvOptions = {}): Promise<LinearProbeCvResult> {
  const K = options.folds ?? 5;
  if (!Number.isInteger(K) || K < 2) throw new RangeError(`linear_probe_cv: folds must be an integer >= 2, got ${K}`);
  const C = a.labels.classes;
  const foldOf = options.foldOf ? checkFolds(options.foldOf, a.n, K) : stratifiedFolds(a, K, options.seed ?? 0);
  const perFold: LinearProbeFold[] = [];
  let correct = 0;
  for (let f = 0; f < K; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < a.n; i++) (foldOf[i] === f ? test : train).push(i);
    const seen = new Set(train.map((i) => a.labels.labels[i]));
    if (seen.size < C) throw new MetricInputError('too_few_samples', `linear_probe_cv: fold ${f}'s training part misses a class`);
    const { xTrain, xTest } = standardise(a.features, train, test);
    const yTrain = Int32Array.from(train, (i) => a.labels.labels[i]);
    const yTest = Int32Array.from(test, (i) => a.labels.labels[i]);
    const fit = await fitMultinomial(xTrain, yTrain, C, options);
    const zTest = await logits(xTest, fit.w, fit.b, C);
    let right = 0;
    let loss = 0;
    for (let i = 0; i < yTest.length; i++) {
      const row = zTest.subarray(i * C, i * C + C);
      let best = 0;
      for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c;
      if (best === yTest[i]) right++;
      loss += logSumExp(row) - row[yTest[i]];
    }
    correct += right;
    perFold.push({
      accuracy: right / yTest.length,
      objective: fit.objective,
      testLogLoss: loss / yTest.length,
      iterations: fit.iterations,
      converged: fit.converged,
    });
  }
  return { value: correct / a.n, perFold, foldOf };
}

function checkFolds(foldOf: ArrayLike<number>, n: number, K: number): Int32Array {
  if (foldOf.length !== n) throw new MetricInputError('shape_mismatch', `foldOf has ${foldOf.length} entries, expected ${n}`);
  const out = Int32Array.from(foldOf);
  out.forEach((f, i) => {
    if (!Number.isInteger(foldOf[i]) || f < 0 || f >= K) throw new RangeError(`foldOf[${i}] = ${foldOf[i]} is not a fold in [0, ${K})`);
  });
  return out;
}

/** Seeded stratified assignment: per class a Fisher-Yates shuffle, then round-robin dealing continued across classes. */
function stratifiedFolds(a: FeatureAnalysis, K: number, seed: number): Int32Array {
  const C = a.labels.classes;
  for (let c = 0; c < C; c++) {
    if (a.labels.counts[c] < K) {
      throw new MetricInputError('too_few_samples', `linear_probe_cv: class ${c} has ${a.labels.counts[c]} samples, fewer than ${K} folds`);
    }
  }
  const uniform = seededUniform(seed);
  const byClass: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < a.n; i++) byClass[a.labels.labels[i]].push(i);
  const foldOf = new Int32Array(a.n);
  let next = 0;
  for (const members of byClass) {
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    for (const i of members) {
      foldOf[i] = next;
      next = (next + 1) % K;
    }
  }
  return foldOf;
}

/** Standardises with the training rows' statistics (two-pass mean/variance, ddof 0; scikit-learn's constant rule). */
function standardise(x: Matrix, train: number[], test: number[]): { xTrain: Matrix; xTest: Matrix } {
  const d = x.cols;
  const n = train.length;
  const mean = new Float64Array(d);
  for (const i of train) for (let j = 0; j < d; j++) mean[j] += x.data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const variance = new Float64Array(d);
  for (const i of train) {
    for (let j = 0; j < d; j++) {
      const v = x.data[i * d + j] - mean[j];
      variance[j] += v * v;
    }
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const v = variance[j] / n;
    // A column constant up to the round-off of its mean is not rescaled (else 1/sqrt(~1e-33) would amplify noise).
    const bound = n * Number.EPSILON * v + (n * mean[j] * Number.EPSILON) ** 2;
    scale[j] = v <= bound ? 1 : Math.sqrt(v);
  }
  const take = (rows: number[]): Matrix => {
    const out = matrix(rows.length, d);
    rows.forEach((i, r) => {
      for (let j = 0; j < d; j++) out.data[r * d + j] = (x.data[i * d + j] - mean[j]) / scale[j];
    });
    return out;
  };
  return { xTrain: take(train), xTest: take(test) };
}

function logSumExp(row: Float64Array): number {
  let m = -Infinity;
  for (const v of row) if (v > m) m = v;
  let s = 0;
  for (const v of row) s += Math.exp(v - m);
  return m + Math.log(s);
}

async function logits(x: Matrix, w: Float64Array, b: Float64Array, C: number): Promise<Float64Array> {
  const z = (await gemm(x, matrix(x.cols, C, w))).data;
  for (let i = 0; i < x.rows; i++) for (let c = 0; c < C; c++) z[i * C + c] += b[c];
  return z;
}

interface Fit {
  w: Float64Array;
  b: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

/** L-BFGS on theta = [W (D x C, row-major), b (C)] for the penalised multinomial cross-entropy. */
async function fitMultinomial(x: Matrix, y: Int32Array, C: number, options: LinearProbeCvOptions): Promise<Fit> {
  const d = x.cols;
  const n = x.rows;
  const lambda = 1 / (options.inverseRegularisation ?? 1);
  const gtol = options.gradientTolerance ?? 1e-6;
  const maxIter = options.maxIterations ?? 2000;
  const size = d * C + C;
  // X^T (P - Y) as a plain product with X^T stored: MLAS's transposed-operand path is ~2x slower on these skinny,
  // memory-bound products, and the copy is made once per fold.
  const xt = transpose(x);
  const evaluate = async (theta: Float64Array): Promise<{ f: number; g: Float64Array }> => {
    const w = theta.subarray(0, d * C);
    const z = await logits(x, w.slice(), theta.subarray(d * C), C);
    let f = 0;
    // z becomes P - Y in place: the gradient of the cross-entropy with respect to the logits.
    for (let i = 0; i < n; i++) {
      const row = z.subarray(i * C, i * C + C);
      const lse = logSumExp(row);
      f += lse - row[y[i]];
      for (let c = 0; c < C; c++) row[c] = Math.exp(row[c] - lse);
      row[y[i]] -= 1;
    }
    const g = new Float64Array(size);
    const gw = (await gemm(xt, matrix(n, C, z))).data;
    let penalty = 0;
    for (let q = 0; q < d * C; q++) {
      g[q] = gw[q] + lambda * w[q];
      penalty += w[q] * w[q];
    }
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) g[d * C + c] += z[i * C + c];
    return { f: f + 0.5 * lambda * penalty, g };
  };
  const dot = (p: Float64Array, q: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += p[i] * q[i];
    return s;
  };
  const maxAbs = (p: Float64Array): number => p.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let theta = new Float64Array(size);
  let { f, g } = await evaluate(theta);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  let iterations = 0;
  let converged = maxAbs(g) <= gtol;
  let stalled = false;
  while (!converged && iterations < maxIter) {
    iterations++;
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let h = sHist.length - 1; h >= 0; h--) {
      const al = rho[h] * dot(sHist[h], q);
      alphas[h] = al;
      for (let i = 0; i < size; i++) q[i] -= al * yHist[h][i];
    }
    const last = sHist.length - 1;
    const gammaScale = last >= 0 ? dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]) : 1 / Math.max(maxAbs(g), 1);
    for (let i = 0; i < size; i++) q[i] *= gammaScale;
    for (let h = 0; h < sHist.length; h++) {
      const be = rho[h] * dot(yHist[h], q);
      for (let i = 0; i < size; i++) q[i] += (alphas[h] - be) * sHist[h][i];
    }
    let slope = -dot(g, q);
    let direction = q;
    if (!(slope < 0)) {
      // Not a descent direction (round-off in the history): restart from steepest descent.
      sHist.length = yHist.length = rho.length = 0;
      direction = Float64Array.from(g, (v) => v / Math.max(maxAbs(g), 1));
      slope = -dot(g, direction);
    }
    let step = 1;
    let next = theta;
    let trial = { f, g };
    for (let tries = 0; ; tries++) {
      next = Float64Array.from(theta, (v, i) => v - step * direction[i]);
      trial = await evaluate(next);
      if (trial.f <= f + ARMIJO * step * slope) break;
      if (tries >= 50) {
        stalled = true; // no decrease representable in double precision: the optimum to round-off
        break;
      }
      step *= 0.5;
    }
    if (stalled) break;
    const s = Float64Array.from(next, (v, i) => v - theta[i]);
    const yv = Float64Array.from(trial.g, (v, i) => v - g[i]);
    const sy = dot(s, yv);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(yv, yv))) {
      sHist.push(s);
      yHist.push(yv);
      rho.push(1 / sy);
      if (sHist.length > HISTORY) {
        sHist.shift();
        yHist.shift();
        rho.shift();
      }
    }
    theta = next;
    f = trial.f;
    g = trial.g;
    converged = maxAbs(g) <= gtol;
  }
  return { w: theta.slice(0, d * C), b: theta.slice(d * C), objective: f, iterations, converged };
}
