import { balancedAccuracy, createRng, type Rng } from '@transferscope/stats';

/** Features of one split, row-major N x D, with integer labels in [0, C). */
export interface ProbeSplit {
  features: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
}

export interface ProbeSchedule {
  learningRate: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  /** SGD momentum (the study: 0.9, Nesterov). */
  momentum: number;
  nesterov: boolean;
  /** Floor of the cosine schedule (the study: 1e-6). */
  minLearningRate: number;
}

export interface ProbeEpoch {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  trainBalancedAccuracy: number;
  valLoss: number;
  valBalancedAccuracy: number;
}

/** A linear classifier on standardised features: logits = ((x - mean) / std) W^T + b. */
export interface LinearProbe {
  classes: number;
  d: number;
  mean: Float64Array;
  std: Float64Array;
  /** C x D, row c = weights of class c. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface ProbeRun {
  epochs: ProbeEpoch[];
  /** 1-based epoch with the lowest validation loss (the checkpoint the study keeps). */
  bestEpoch: number;
  /** The probe as it was after `bestEpoch`. */
  best: LinearProbe;
}

/**
 * Trains a linear probe (multinomial logistic regression) on frozen features with the study's optimiser:
 * mini-batch SGD, momentum with Nesterov's correction and L2 weight decay applied as PyTorch's `SGD` does
 * (g = grad + wd w; v = mu v + g; step = g + mu v), learning rate annealed per epoch by
 * `CosineAnnealingLR(T_max = epochs, eta_min)`. Features are standardised with the training split's mean and
 * standard deviation first, so one learning-rate range fits every backbone. Deterministic for a given seed.
 */
export function trainLinearProbe(train: ProbeSplit, val: ProbeSplit, classes: number, schedule: ProbeSchedule, seed: number): ProbeRun {
  checkSplit(train, classes, 'train');
  checkSplit(val, classes, 'val');
  if (val.d !== train.d) throw new RangeError(`val has ${val.d} features per row, train ${train.d}`);
  const { d } = train;
  const { mean, std } = standardisation(train);
  const trainX = standardise(train, mean, std);
  const valX = standardise(val, mean, std);

  const probe: LinearProbe = { classes, d, mean, std, weights: new Float64Array(classes * d), bias: new Float64Array(classes) };
  // One seeded stream (libs/stats' generator) for the initial weights, then each epoch's shuffle.
  const random = createRng(seed);
  initialiseWeights(probe, random);
  const velocityW = new Float64Array(classes * d);
  const velocityB = new Float64Array(classes);
  const gradW = new Float64Array(classes * d);
  const gradB = new Float64Array(classes);
  const probabilities = new Float64Array(classes);
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  const predicted = new Int32Array(train.n);

  const epochs: ProbeEpoch[] = [];
  let best: LinearProbe = cloneProbe(probe);
  let bestEpoch = 1;
  for (let epoch = 0; epoch < schedule.epochs; epoch++) {
    const learningRate = cosineLearningRate(schedule, epoch);
    shuffle(order, random);
    let lossSum = 0;
    for (let start = 0; start < train.n; start += schedule.batchSize) {
      const end = Math.min(start + schedule.batchSize, train.n);
      gradW.fill(0);
      gradB.fill(0);
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        const row = i * d;
        lossSum += softmaxRow(probe, trainX, row, train.labels[i]!, probabilities);
        predicted[i] = argmax(probabilities);
        for (let c = 0; c < classes; c++) {
          const delta = probabilities[c]! - (c === train.labels[i] ? 1 : 0);
          gradB[c]! += delta;
          const offset = c * d;
          for (let j = 0; j < d; j++) gradW[offset + j]! += delta * trainX[row + j]!;
        }
      }
      const scale = 1 / (end - start);
      sgdStep(probe.weights, gradW, velocityW, scale, learningRate, schedule);
      sgdStep(probe.bias, gradB, velocityB, scale, learningRate, schedule);
    }
    const valEval = evaluateStandardised(probe, valX, val);
    epochs.push({
      epoch: epoch + 1,
      learningRate,
      trainLoss: lossSum / train.n,
      trainBalancedAccuracy: balancedAccuracy(train.labels, predicted),
      valLoss: valEval.loss,
      valBalancedAccuracy: balancedAccuracy(val.labels, valEval.predictions),
    });
    if (epoch === 0 || valEval.loss < epochs[bestEpoch - 1]!.valLoss) {
      bestEpoch = epoch + 1;
      best = cloneProbe(probe);
    }
  }
  return { epochs, bestEpoch, best };
}

/** Mean cross-entropy and predicted classes of a probe on a split. */
export function evaluateProbe(probe: LinearProbe, split: ProbeSplit): { loss: number; predictions: Int32Array } {
  checkSplit(split, probe.classes, 'evaluation');
  if (split.d !== probe.d) throw new RangeError(`split has ${split.d} features per row, the probe ${probe.d}`);
  return evaluateStandardised(probe, standardise(split, probe.mean, probe.std), split);
}

/** Learning rate of `epoch` (0-based) under CosineAnnealingLR: eta_min + (eta_0 - eta_min)(1 + cos(pi t / T)) / 2. */
export function cosineLearningRate(schedule: Pick<ProbeSchedule, 'learningRate' | 'minLearningRate' | 'epochs'>, epoch: number): number {
  return schedule.minLearningRate + ((schedule.learningRate - schedule.minLearningRate) * (1 + Math.cos((Math.PI * epoch) / schedule.epochs))) / 2;
}

function evaluateStandardised(probe: LinearProbe, x: Float64Array, split: ProbeSplit): { loss: number; predictions: Int32Array } {
  const probabilities = new Float64Array(probe.classes);
  const predictions = new Int32Array(split.n);
  let loss = 0;
  for (let i = 0; i < split.n; i++) {
    loss += softmaxRow(probe, x, i * probe.d, split.labels[i]!, probabilities);
    predictions[i] = argmax(probabilities);
  }
  return { loss: loss / split.n, predictions };
}

/** Writes softmax probabilities of one row into `out` and returns its cross-entropy -log p(label) (log-sum-exp form). */
function softmaxRow(probe: LinearProbe, x: Float64Array, row: number, label: number, out: Float64Array): number {
  const { classes, d, weights, bias } = probe;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    let z = bias[c]!;
    const offset = c * d;
    for (let j = 0; j < d; j++) z += weights[offset + j]! * x[row + j]!;
    out[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(out[c]! - max);
  const logSum = max + Math.log(sum);
  const loss = logSum - out[label]!;
  for (let c = 0; c < classes; c++) out[c] = Math.exp(out[c]! - logSum);
  return loss;
}

function sgdStep(parameters: Float64Array, gradient: Float64Array, velocity: Float64Array, scale: number, learningRate: number, schedule: ProbeSchedule): void {
  const { momentum, nesterov, weightDecay } = schedule;
  for (let i = 0; i < parameters.length; i++) {
    const g = gradient[i]! * scale + weightDecay * parameters[i]!;
    const v = momentum * velocity[i]! + g;
    velocity[i] = v;
    parameters[i]! -= learningRate * (nesterov ? g + momentum * v : v);
  }
}

/** Uniform(-1/sqrt(D), 1/sqrt(D)) weights and biases, as torch.nn.Linear initialises them. */
function initialiseWeights(probe: LinearProbe, random: Rng): void {
  const bound = 1 / Math.sqrt(probe.d);
  for (let i = 0; i < probe.weights.length; i++) probe.weights[i] = (2 * random.nextFloat() - 1) * bound;
  for (let c = 0; c < probe.classes; c++) probe.bias[c] = (2 * random.nextFloat() - 1) * bound;
}

function standardisation(split: ProbeSplit): { mean: Float64Array; std: Float64Array } {
  const { n, d, features } = split;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += features[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const centred = features[i * d + j]! - mean[j]!;
      std[j]! += centred * centred;
    }
  }
  // A constant feature carries no information; dividing by 1 keeps it at 0 instead of NaN.
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / n) || 1;
  return { mean, std };
}

function standardise(split: ProbeSplit, mean: Float64Array, std: Float64Array): Float64Array {
  const out = new Float64Array(split.n * split.d);
  for (let i = 0; i < split.n; i++) {
    for (let j = 0; j < split.d; j++) out[i * split.d + j] = (split.features[i * split.d + j]! - mean[j]!) / std[j]!;
  }
  return out;
}

function shuffle(order: Int32Array, random: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

function cloneProbe(probe: LinearProbe): LinearProbe {
  return { ...probe, weights: probe.weights.slice(), bias: probe.bias.slice() };
}

function checkSplit(split: ProbeSplit, classes: number, name: string): void {
  if (split.n < 1) throw new RangeError(`${name} split is empty`);
  if (split.features.length !== split.n * split.d) throw new RangeError(`${name} features hold ${split.features.length} values, expected n x d = ${split.n * split.d}`);
  if (split.labels.length !== split.n) throw new RangeError(`${name} has ${split.labels.length} labels for ${split.n} rows`);
  for (let i = 0; i < split.n; i++) {
    const label = split.labels[i]!;
    if (!(label >= 0 && label < classes)) throw new RangeError(`${name} label ${label} at row ${i} is outside [0, ${classes})`);
  }
  for (let i = 0; i < split.features.length; i++) {
    if (!Number.isFinite(split.features[i]!)) throw new RangeError(`${name} feature ${i % split.d} of row ${Math.floor(i / split.d)} is not finite`);
  }
}
