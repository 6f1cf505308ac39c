import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, type Variable, dispose, tensor, memory, tensor4d, tensor1d, oneHot, tidy, logSoftmax, mul, sum, mean, neg, variableGrads, type Scalar, type Tensor2D } from '@tensorflow/tfjs-core';
import { initializers, input, layers, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { createRng } from '@transferscope/stats';
import { missingTrainingKernels, selectBackend } from '../../backends/select-backend';
import { FinetuneError } from '../finetune-error';
import { assertFinetunable, buildFinetuneNetwork, type FinetuneNetwork } from '../finetune-network';
import { type ImageBatch } from '../../extraction/extract-features';
import { evaluateNetwork, finetune, inMemoryData, type FinetuneSchedule, type ImageSplit } from '../finetune';
import { cosineLearningRate } from '../linear-probe';
import { NesterovSgd } from '../nesterov-sgd';

/** float32 unit roundoff. */
const U32 = 2 ** -24;
const SIZE = 8;
const CLASSES = 3;

/**
 * A tiny CNN in the zoo's style (conv, batch norm, ReLU, pooling, depthwise conv, dense feature layer, source head),
 * its initial weights drawn from seeded initialisers so two builds are identical.
 */
function tinyCnn(seed: number, extra: { dropout?: boolean; noise?: boolean } = {}): LayersModel {
  const init = (k: number) => initializers.glorotUniform({ seed: seed * 10 + k });
  const image = input({ shape: [SIZE, SIZE, 1], name: 'image' });
  let h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1', kernelInitializer: init(1) }).apply(image) as SymbolicTensor;
  h = layers.batchNormalization({ name: 'bn1' }).apply(h) as SymbolicTensor;
  h = layers.reLU({ name: 'relu1' }).apply(h) as SymbolicTensor;
  h = layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as SymbolicTensor;
  h = layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw2', depthwiseInitializer: init(2) }).apply(h) as SymbolicTensor;
  h = layers.conv2d({ filters: 6, kernelSize: 1, name: 'conv3', kernelInitializer: init(3) }).apply(h) as SymbolicTensor;
  h = layers.batchNormalization({ name: 'bn3' }).apply(h) as SymbolicTensor;
  h = layers.reLU({ name: 'relu3' }).apply(h) as SymbolicTensor;
  if (extra.noise) h = layers.gaussianNoise({ stddev: 0.1, name: 'noise' }).apply(h) as SymbolicTensor;
  h = layers.averagePooling2d({ poolSize: 2, name: 'pool3' }).apply(h) as SymbolicTensor;
  h = layers.flatten({ name: 'flatten' }).apply(h) as SymbolicTensor;
  if (extra.dropout) h = layers.dropout({ rate: 0.2, name: 'dropout' }).apply(h) as SymbolicTensor;
  const features = layers.dense({ units: 8, activation: 'relu', name: 'features', kernelInitializer: init(4) }).apply(h) as SymbolicTensor;
  const source = layers.dense({ units: 5, activation: 'softmax', name: 'source_head', kernelInitializer: init(5) }).apply(features) as SymbolicTensor;
  return functionalModel({ inputs: image, outputs: source });
}

/** A separable toy problem: class c lights up its own quadrant of an 8x8 image, with N(0, noise^2) pixel noise. */
function toySplit(n: number, seed: number, noise = 0.3): ImageSplit {
  const random = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  const images = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    labels[i] = c;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const quadrant = (y < SIZE / 2 ? 0 : 2) + (x < SIZE / 2 ? 0 : 1);
        images[(i * SIZE + y) * SIZE + x] = (quadrant === c ? 1 : 0) + noise * normal();
      }
    }
  }
  return { images, labels, shape: [n, SIZE, SIZE, 1] };
}

const asBatch = (split: ImageSplit): ImageBatch => ({ images: split.images, labels: split.labels, shape: split.shape });

const SCHEDULE: FinetuneSchedule = { learningRate: 0.05, weightDecay: 1e-3, epochs: 1, batchSize: 12, momentum: 0.9, nesterov: true, minLearningRate: 1e-6 };

const trainableVariables = (network: FinetuneNetwork) => network.model.trainableWeights.map((w) => w.read() as Variable);
const valuesOf = (tensors: readonly Tensor[]) => tensors.map((t) => Float64Array.from(t.dataSync()));

/** Gradients of the mean cross-entropy at the current weights, in training mode, computed apart from the trainer. */
function gradientsAt(network: FinetuneNetwork, batch: ImageBatch): Float64Array[] {
  const variables = trainableVariables(network);
  const { value, grads } = variableGrads(
    () =>
      tidy(() => {
        const logits = network.model.apply(tensor4d(batch.images, [...batch.shape]), { training: true }) as Tensor2D;
        const y = oneHot(tensor1d(Int32Array.from(batch.labels), 'int32'), network.classes);
        return neg(mean(sum(mul(y, logSoftmax(logits)), 1))) as Scalar;
      }),
    variables,
  );
  const out = variables.map((v) => Float64Array.from(grads[v.name]!.dataSync()));
  dispose([value, ...Object.values(grads)]);
  return out;
}

/**
 * Bound on the float32 rounding of one update w - lr (g' + mu v) with g' = g + lambda w: each of the ~6 float32
 * operations (and lr, mu, lambda rounded to float32) adds at most one unit roundoff of its result, and every
 * intermediate is at most |w| or |step| in size, so 8 roundoffs of (|w| + |step|) cover it with margin.
 */
const tolerance = (w: number, step: number) => 8 * U32 * (Math.abs(w) + Math.abs(step)) + 1e-30;

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});

describe('NesterovSgd on a tiny CNN', () => {
  it('one fine-tuning step moves every trainable weight by -lr (1 + mu)(grad + wd w), and no other rule fits', async () => {
    const network = buildFinetuneNetwork(tinyCnn(1), { featureLayer: 'features', featurePooling: 'none', classes: CLASSES, seed: 5 });
    const batch = asBatch(toySplit(12, 2));
    const w0 = valuesOf(trainableVariables(network));
    const g0 = gradientsAt(network, batch);
    // Every trainable weight of the network is covered: convolutions, depthwise, batch norm, feature layer, new head.
    expect(network.model.trainableWeights.map((w) => w.originalName).sort()).toEqual(
      ['bn1/beta', 'bn1/gamma', 'bn3/beta', 'bn3/gamma', 'conv1/bias', 'conv1/kernel', 'conv3/bias', 'conv3/kernel', 'dw2/bias', 'dw2/depthwise_kernel', 'features/bias', 'features/kernel', 'transferscope_finetune_head/bias', 'transferscope_finetune_head/kernel'].sort(),
    );
    const run = await finetune(network, { train: () => [batch], val: () => [batch] }, SCHEDULE, 0);
    expect(run.steps).toBe(1);
    const w1 = valuesOf(trainableVariables(network));
    const lr = cosineLearningRate(SCHEDULE, 0);
    const { momentum: mu, weightDecay: wd } = SCHEDULE;
    let checked = 0;
    let nesterovDistinct = 0;
    let decayDistinct = 0;
    w0.forEach((w, t) => {
      for (let i = 0; i < w.length; i++) {
        const g = g0[t]![i]! + wd * w[i]!;
        const step = lr * (1 + mu) * g; // v = g on the first step, so g + mu v = (1 + mu) g
        const expected = w[i]! - step;
        const tol = tolerance(w[i]!, step);
        expect(Math.abs(w1[t]![i]! - expected), `weight ${t}[${i}]`).toBeLessThanOrEqual(tol);
        checked++;
        // Plain momentum (w - lr g) and no weight decay would be told apart from the Nesterov rule here.
        if (Math.abs(w1[t]![i]! - (w[i]! - lr * g)) > 10 * tol) nesterovDistinct++;
        if (Math.abs(w1[t]![i]! - (w[i]! - lr * (1 + mu) * g0[t]![i]!)) > 10 * tol) decayDistinct++;
      }
    });
    expect(checked).toBe(network.trainableParams);
    expect(nesterovDistinct / checked).toBeGreaterThan(0.9);
    // Zero-initialised biases and batch-norm betas decay by 0, so weight decay shows only on the other weights.
    expect(decayDistinct / checked).toBeGreaterThan(0.5);
    network.dispose();
  });

  it('the second step uses the velocity: w2 = w1 - lr (g1 + mu (mu v1 + g1)), g = grad + wd w', () => {
    const network = buildFinetuneNetwork(tinyCnn(2), { featureLayer: 'features', featurePooling: 'none', classes: CLASSES, seed: 6 });
    const batches = [asBatch(toySplit(9, 3)), asBatch(toySplit(9, 4))];
    const variables = trainableVariables(network);
    const sgd = new NesterovSgd(SCHEDULE);
    const [lr1, lr2] = [0.08, 0.03];
    const { momentum: mu, weightDecay: wd } = SCHEDULE;
    const stepWith = (gradients: Float64Array[], lr: number) => {
      const tensors = gradients.map((g, t) => tensor(Float32Array.from(g), variables[t]!.shape));
      sgd.step(
        variables.map((variable, t) => ({ variable, gradient: tensors[t]! })),
        lr,
      );
      dispose(tensors);
    };
    const w0 = valuesOf(variables);
    const g0 = gradientsAt(network, batches[0]!);
    stepWith(g0, lr1);
    const w1 = valuesOf(variables);
    const g1 = gradientsAt(network, batches[1]!);
    stepWith(g1, lr2);
    const w2 = valuesOf(variables);
    w0.forEach((w, t) => {
      for (let i = 0; i < w.length; i++) {
        // float32 gradients as the optimiser received them.
        const a = Math.fround(g0[t]![i]!) + wd * w[i]!;
        const v1 = a;
        const b = Math.fround(g1[t]![i]!) + wd * w1[t]![i]!;
        const v2 = mu * v1 + b;
        const step = lr2 * (b + mu * v2);
        const expected = w1[t]![i]! - step;
        // v1 was held in float32 too: its rounding reaches the step through lr mu^2 v1.
        const tol = tolerance(w1[t]![i]!, step) + 4 * U32 * lr2 * mu * mu * Math.abs(v1);
        expect(Math.abs(w2[t]![i]! - expected), `weight ${t}[${i}]`).toBeLessThanOrEqual(tol);
      }
    });
    sgd.dispose();
    network.dispose();
  });

  it('refuses a momentum outside [0, 1) and a negative learning rate', () => {
    expect(() => new NesterovSgd({ momentum: 1, nesterov: true, weightDecay: 0 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => new NesterovSgd({ momentum: 0.9, nesterov: true, weightDecay: 0 }).step([], -1)).toThrow(/learningRate must be finite and >= 0/);
  });
});

describe('finetune', () => {
  const train = toySplit(48, 10);
  const val = toySplit(24, 11);
  const schedule: FinetuneSchedule = { ...SCHEDULE, epochs: 5, batchSize: 8, learningRate: 0.05, weightDecay: 1e-4 };

  async function trainOnce(seed: number): Promise<{ run: Awaited<ReturnType<typeof finetune>>; weights: Float64Array[]; network: FinetuneNetwork; leaked: number }> {
    const network = buildFinetuneNetwork(tinyCnn(3, { dropout: true }), { featureLayer: 'features', featurePooling: 'none', classes: CLASSES, seed });
    const tensorsBefore = memory().numTensors;
    const run = await finetune(network, inMemoryData(train, val, schedule.batchSize, seed), schedule, seed);
    return { run, weights: valuesOf(network.model.weights.map((w) => w.read())), network, leaked: memory().numTensors - tensorsBefore };
  }

  it('lowers the training loss on a separable problem, keeps the epoch of lowest validation loss, and repeats for a seed', async () => {
    const a = await trainOnce(7);
    // Every tensor of the run (velocities, checkpoints, batches, gradients) is freed.
    expect(a.leaked).toBe(0);
    expect(a.run.epochs).toHaveLength(5);
    expect(a.run.steps).toBe(5 * 6);
    console.info(`tiny CNN (8x8x1, ${a.network.trainableParams} trainable values) finetune step on cpu, batch 8: ${(a.run.secondsPerStep * 1000).toFixed(1)} ms`);
    expect(a.run.epochs.at(-1)!.trainLoss).toBeLessThan(0.5 * a.run.epochs[0]!.trainLoss);
    const best = a.run.epochs[a.run.bestEpoch - 1]!;
    expect(best.valLoss).toBe(Math.min(...a.run.epochs.map((e) => e.valLoss)));
    expect(best.valBalancedAccuracy).toBeGreaterThan(0.9);
    // The network holds the kept epoch's weights: evaluating it again gives that epoch's validation numbers.
    const again = await evaluateNetwork(a.network, inMemoryData(train, val, 8, 0).val());
    expect(again.loss).toBeCloseTo(best.valLoss, 12);

    const b = await trainOnce(7);
    expect(b.run.epochs).toEqual(a.run.epochs);
    expect(b.weights).toEqual(a.weights);
    const c = await trainOnce(8);
    expect(c.run.epochs[0]!.trainLoss).not.toBe(a.run.epochs[0]!.trainLoss);
    const tensorsBefore = memory().numTensors;
    [a, b, c].forEach((r) => r.network.dispose());
    // 2 source-head weights per model are not part of the network but are freed with it.
    expect(tensorsBefore - memory().numTensors).toBe(3 * (a.network.model.weights.length + 2));
  });

  it('leaves frozen layers (weights and batch-norm statistics) exactly as loaded and trains the rest', async () => {
    const network = buildFinetuneNetwork(tinyCnn(4), { featureLayer: 'features', featurePooling: 'none', classes: CLASSES, seed: 1, freezeThrough: 'bn1' });
    expect(network.frozen).toEqual(['image', 'conv1', 'bn1']);
    const byLayer = () => new Map(network.model.weights.map((w) => [w.originalName, Float64Array.from(w.read().dataSync())]));
    const before = byLayer();
    await finetune(network, inMemoryData(train, val, 8, 1), { ...schedule, epochs: 2 }, 1);
    const after = byLayer();
    for (const name of ['conv1/kernel', 'conv1/bias', 'bn1/gamma', 'bn1/beta', 'bn1/moving_mean', 'bn1/moving_variance']) {
      expect(after.get(name), name).toEqual(before.get(name));
    }
    // The layers after the freeze point did train (bn3's moving statistics moved too: it ran in training mode).
    for (const name of ['dw2/depthwise_kernel', 'conv3/kernel', 'bn3/gamma', 'bn3/moving_mean', 'features/kernel', 'transferscope_finetune_head/kernel']) {
      expect(after.get(name), name).not.toEqual(before.get(name));
    }
    network.dispose();
  });

  it('refuses unknown layers, unseedable noise layers and batches that do not fit', async () => {
    expect(() => buildFinetuneNetwork(tinyCnn(5), { featureLayer: 'nope', featurePooling: 'none', classes: 3, seed: 0 })).toThrow(/feature layer "nope" is not in the model/);
    expect(() => buildFinetuneNetwork(tinyCnn(5), { featureLayer: 'features', featurePooling: 'none', classes: 3, seed: 0, freezeThrough: 'source_head' })).toThrow(
      /freezeThrough: layer "source_head" is not between the input and the feature layer features/,
    );
    expect(() => buildFinetuneNetwork(tinyCnn(5), { featureLayer: 'features', featurePooling: 'global_average', classes: 3, seed: 0 })).toThrow(/needs rank 4/);
    expect(() => buildFinetuneNetwork(tinyCnn(5, { noise: true }), { featureLayer: 'features', featurePooling: 'none', classes: 3, seed: 0 })).toThrow(
      expect.objectContaining({ code: 'UNSEEDABLE_LAYER' }),
    );
    // Frozen, the noise layer runs in inference mode (the identity), so it is allowed.
    buildFinetuneNetwork(tinyCnn(5, { noise: true }), { featureLayer: 'features', featurePooling: 'none', classes: 3, seed: 0, freezeThrough: 'noise' }).dispose();

    const network = buildFinetuneNetwork(tinyCnn(5), { featureLayer: 'conv3', featurePooling: 'global_average', classes: 3, seed: 0 });
    expect(network.featureDim).toBe(6);
    const good = asBatch(toySplit(4, 1));
    const bad = (batch: ImageBatch) => finetune(network, { train: () => [batch], val: () => [good] }, SCHEDULE, 0);
    await expect(bad({ ...good, labels: Int32Array.from([0, 1, 3, 0]) })).rejects.toThrow(/training label 3 at position 2 is outside \[0, 3\)/);
    await expect(bad({ ...good, shape: [4, 4, 16, 1] })).rejects.toThrow(/training batch of shape \[4, 4, 16, 1\].*takes \[n, 8, 8, 1\]/);
    await expect(bad({ ...good, labels: Int32Array.from([0, 1]) })).rejects.toThrow(/2 labels for 4 images/);
    await expect(finetune(network, { train: () => [], val: () => [good] }, SCHEDULE, 0)).rejects.toThrow(FinetuneError);
    network.dispose();
  });
});

describe('assertFinetunable', () => {
  it('reads from the kernel registry that wasm cannot train a CNN and cpu can', () => {
    expect(missingTrainingKernels('wasm')).toEqual(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
    expect(missingTrainingKernels('cpu')).toEqual([]);
  });

  it('refuses wasm, naming the kernels, the backends that can and what to install', () => {
    let error: FinetuneError | undefined;
    try {
      assertFinetunable({ name: 'wasm', canTrainCnn: false }, []);
    } catch (e) {
      error = e as FinetuneError;
    }
    expect(error?.code).toBe('BACKEND_CANNOT_TRAIN');
    expect(error?.message).toMatch(/"wasm" tfjs backend cannot: it registers no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput kernels/);
    expect(error?.message).toMatch(/@tensorflow\/tfjs-node-gpu for an NVIDIA GPU — CUDA 11.2 and cuDNN 8.1/);
    expect(error?.message).toMatch(/or "cpu"/);
    expect(error?.message).toMatch(/npm install -w apps\/compute @tensorflow\/tfjs-node-gpu@\d+\.\d+\.\d+\)/);
    expect(() => assertFinetunable({ name: 'cpu', canTrainCnn: true }, [])).not.toThrow();
  });
});
