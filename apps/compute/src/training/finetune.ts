import { type Scalar, type Tensor, type Tensor2D, type Variable, argMax, dispose, getBackend, keep, logSoftmax, mean, mul, neg, oneHot, sum, tensor1d, tensor4d, tidy, variableGrads } from '@tensorflow/tfjs-core';
import { mixSeed } from '@transferscope/datasets';
import { balancedAccuracy, createRng } from '@transferscope/stats';
import { type ImageBatch } from '../extraction/extract-features';
import { useFastCpuGradients } from './cpu-gradient-kernels';
import { FinetuneError } from './finetune-error';
import { type FinetuneNetwork } from './finetune-network';
import { cosineLearningRate, type ProbeEpoch, type ProbeSchedule } from './linear-probe';
import { NesterovSgd } from './nesterov-sgd';

type Batches = AsyncIterable<ImageBatch> | Iterable<ImageBatch>;

/** Where the images come from. Both streams must repeat for the same epoch, so that a run repeats. */
export interface FinetuneData {
  /** The training batches of `epoch` (0-based) in the order to train on, shuffled and augmented by the caller. */
  train(epoch: number): Batches;
  /** The validation batches, not augmented. */
  val(): Batches;
}

/**
 * The study's schedule (the linear probe's): SGD, momentum 0.9 with Nesterov, cosine annealing to `minLearningRate`.
 * `batchSize` is the data's business here: {@link FinetuneData} yields the batches.
 */
export type FinetuneSchedule = ProbeSchedule;

/** One epoch of a fine-tuning run: the same record as a linear-probe epoch. */
export type FinetuneEpoch = ProbeEpoch;

export interface FinetuneRun {
  epochs: FinetuneEpoch[];
  /** 1-based epoch with the lowest validation loss: its weights are in the network when `finetune` returns. */
  bestEpoch: number;
  /** Optimiser steps taken. */
  steps: number;
  /** Mean wall seconds of one training step (forward, backward, update), for provenance and capacity planning. */
  secondsPerStep: number;
}

export interface FinetuneOptions {
  /** Called after each epoch's validation. */
  onEpoch?: (epoch: FinetuneEpoch) => void;
}

/**
 * Fine-tunes a network (a source model cut at its feature layer, plus a new linear head; see `buildFinetuneNetwork`)
 * with the study's protocol: mini-batch SGD with momentum and Nesterov's correction and coupled L2 weight decay
 * ({@link NesterovSgd}, PyTorch's rule), the learning rate annealed per epoch by `CosineAnnealingLR(T_max = epochs,
 * eta_min)`, softmax cross-entropy averaged over the batch. Layers run in training mode (batch statistics in
 * BatchNormalization, which also updates its moving statistics; dropout masks seeded from `seed`), frozen layers in
 * inference mode. After each epoch the network is evaluated on the validation batches in inference mode; the
 * epoch with the lowest validation loss is kept (the study's checkpoint rule, as the linear probe's) and its
 * weights, moving statistics included, are restored before returning.
 *
 * On `cpu` a run repeats bit for bit for the same seed and data (and uses {@link useFastCpuGradients}); GPU kernels
 * (cuDNN) may sum in varying order.
 *
 * @throws FinetuneError `BAD_BATCH` (shape or labels that do not fit), `EMPTY` (no training or validation images).
 */
export async function finetune(network: FinetuneNetwork, data: FinetuneData, schedule: FinetuneSchedule, seed: number, options: FinetuneOptions = {}): Promise<FinetuneRun> {
  checkSchedule(schedule);
  if (getBackend() === 'cpu') useFastCpuGradients();
  const parameters = network.model.trainableWeights.map((w) => w.read() as Variable);
  const optimiser = new NesterovSgd(schedule);
  // Dropout masks come from their own seeded stream, apart from the head's initial weights.
  const random = createRng(mixSeed(seed, 0, 0xd09));
  const epochs: FinetuneEpoch[] = [];
  let bestEpoch = 1;
  let best: Tensor[] = [];
  let steps = 0;
  let stepSeconds = 0;
  try {
    for (let epoch = 0; epoch < schedule.epochs; epoch++) {
      const learningRate = cosineLearningRate(schedule, epoch);
      let lossSum = 0;
      const labels: number[] = [];
      const predicted: number[] = [];
      for await (const batch of data.train(epoch)) {
        const n = checkBatch(network, batch, 'training');
        const started = performance.now();
        network.reseedRandomLayers(random);
        const x = tensor4d(batch.images, [...batch.shape]);
        const y = tidy(() => oneHot(tensor1d(Int32Array.from(batch.labels), 'int32'), network.classes));
        // The predictions leave the gradient's scope (kept) for the epoch's training balanced accuracy.
        const kept: { predictions?: Tensor } = {};
        const { value, grads } = variableGrads(() => {
          const logits = network.model.apply(x, { training: true }) as Tensor2D;
          kept.predictions = keep(argMax(logits, 1));
          return crossEntropy(logits, y);
        }, parameters);
        optimiser.step(
          parameters.filter((p) => grads[p.name] !== undefined).map((p) => ({ variable: p, gradient: grads[p.name]! })),
          learningRate,
        );
        const [loss] = await value.data();
        const batchPredictions = await kept.predictions!.data();
        stepSeconds += (performance.now() - started) / 1000;
        steps++;
        dispose([x, y, value, kept.predictions!, ...Object.values(grads)]);
        // The tensors that held the images are gone: the source may reuse their buffer now.
        batch.release?.();
        lossSum += loss! * n;
        batch.labels.forEach((label, i) => {
          labels.push(label);
          predicted.push(batchPredictions[i]!);
        });
      }
      if (labels.length === 0) throw new FinetuneError('EMPTY', `epoch ${epoch + 1} has no training images`);
      const val = await evaluateNetwork(network, data.val());
      const record: FinetuneEpoch = {
        epoch: epoch + 1,
        learningRate,
        trainLoss: lossSum / labels.length,
        trainBalancedAccuracy: balancedAccuracy(Int32Array.from(labels), Int32Array.from(predicted)),
        valLoss: val.loss,
        valBalancedAccuracy: balancedAccuracy(val.labels, val.predictions),
      };
      epochs.push(record);
      options.onEpoch?.(record);
      if (epoch === 0 || val.loss < epochs[bestEpoch - 1]!.valLoss) {
        bestEpoch = epoch + 1;
        dispose(best);
        best = network.model.weights.map((w) => w.read().clone());
      }
    }
    network.model.weights.forEach((w, i) => w.write(best[i]!));
  } finally {
    optimiser.dispose();
    dispose(best);
  }
  return { epochs, bestEpoch, steps, secondsPerStep: steps ? stepSeconds / steps : 0 };
}

/** Mean cross-entropy (float64 sum over the batches), predicted classes and labels of a network in inference mode. */
export async function evaluateNetwork(network: FinetuneNetwork, batches: Batches): Promise<{ loss: number; predictions: Int32Array; labels: Int32Array }> {
  let lossSum = 0;
  const labels: number[] = [];
  const predicted: number[] = [];
  for await (const batch of batches) {
    checkBatch(network, batch, 'evaluation');
    const [losses, predictions] = tidy(() => {
      const logits = network.model.apply(tensor4d(batch.images, [...batch.shape]), { training: false }) as Tensor2D;
      const y = oneHot(tensor1d(Int32Array.from(batch.labels), 'int32'), network.classes);
      return [neg(sum(mul(y, logSoftmax(logits)), 1)), argMax(logits, 1)];
    });
    const [lossValues, predictedValues] = [await losses.data(), await predictions.data()];
    dispose([losses, predictions]);
    batch.release?.();
    batch.labels.forEach((label, i) => {
      lossSum += lossValues[i]!;
      labels.push(label);
      predicted.push(predictedValues[i]!);
    });
  }
  if (labels.length === 0) throw new FinetuneError('EMPTY', 'no images to evaluate');
  return { loss: lossSum / labels.length, predictions: Int32Array.from(predicted), labels: Int32Array.from(labels) };
}

/** A split held in memory: n images, NHWC. */
export interface ImageSplit {
  images: Float32Array;
  shape: readonly [number, number, number, number];
  labels: Int32Array;
}

/**
 * {@link FinetuneData} over splits held in memory: training batches in a new order each epoch (Fisher-Yates from
 * libs/stats' generator seeded with (seed, epoch), so any epoch can be replayed alone), validation in order.
 * No augmentation: for tests and small in-memory problems.
 */
export function inMemoryData(train: ImageSplit, val: ImageSplit, batchSize: number, seed: number): FinetuneData {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return {
    train: (epoch) => {
      const order = Array.from({ length: train.shape[0] }, (_, i) => i);
      const random = createRng(mixSeed(seed, epoch, 0x5eed));
      for (let i = order.length - 1; i > 0; i--) {
        const j = random.nextInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return batchesOf(train, order, batchSize);
    },
    val: () => batchesOf(val, Array.from({ length: val.shape[0] }, (_, i) => i), batchSize),
  };
}

function* batchesOf(split: ImageSplit, order: number[], batchSize: number): Generator<ImageBatch> {
  const [, h, w, c] = split.shape;
  const per = h * w * c;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const images = new Float32Array(rows.length * per);
    rows.forEach((row, k) => images.set(split.images.subarray(row * per, (row + 1) * per), k * per));
    yield { images, shape: [rows.length, h, w, c], labels: Int32Array.from(rows, (row) => split.labels[row]!) };
  }
}

/** Softmax cross-entropy of integer-coded targets, averaged over the batch (PyTorch's CrossEntropyLoss). */
function crossEntropy(logits: Tensor2D, oneHotTargets: Tensor): Scalar {
  return neg(mean(sum(mul(oneHotTargets, logSoftmax(logits)), 1))) as Scalar;
}

function checkBatch(network: FinetuneNetwork, batch: ImageBatch, what: string): number {
  const [n, h, w, c] = batch.shape;
  const [eh, ew, ec] = network.inputShape;
  if (h !== eh || w !== ew || c !== ec || !(n >= 1) || batch.images.length !== n * h * w * c) {
    throw new FinetuneError('BAD_BATCH', `${what} batch of shape [${batch.shape.join(', ')}] with ${batch.images.length} values; the network takes [n, ${eh}, ${ew}, ${ec}]`);
  }
  if (batch.labels.length !== n) throw new FinetuneError('BAD_BATCH', `${what} batch has ${batch.labels.length} labels for ${n} images`);
  for (let i = 0; i < n; i++) {
    const label = batch.labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < network.classes)) {
      throw new FinetuneError('BAD_BATCH', `${what} label ${label} at position ${i} is outside [0, ${network.classes})`);
    }
  }
  return n;
}

function checkSchedule(schedule: FinetuneSchedule): void {
  if (!Number.isInteger(schedule.epochs) || schedule.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${schedule.epochs}`);
  if (!(schedule.learningRate > 0) || !Number.isFinite(schedule.learningRate)) throw new RangeError(`learningRate must be finite and > 0, got ${schedule.learningRate}`);
}
