import { beforeAll, describe, expect, it } from 'vitest';
import { mean, randomUniform, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, sequential, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../../backends/select-backend';
import { type ConversionTaps, convertLayersModel, ONNX_IO } from '../convert-layers';
import { OnnxError } from '../onnx-error';
import { encodeModel } from '../onnx-schema';
import { maxRelativeError } from '../verify-onnx';

/*
 * Each converted op against tfjs itself on random tensors: a tiny functional model around the op, its
 * output as the feature tap (pooling 'none', so 4-D taps come back as NHWC), random weights everywhere
 * (BatchNorm statistics included), compared elementwise relative to the output's scale.
 */

const TOL = 1e-5;

beforeAll(async () => {
  await selectBackend('cpu', { log: () => {} });
});

/** Gives every weight of the model random values (variances positive) so that no op is a no-op. */
function randomizeWeights(net: LayersModel, seed: number): void {
  for (const layer of net.layers) {
    const ws = layer.weights.map((w, i) => {
      const positive = /variance/.test(w.name);
      return randomUniform(w.shape, positive ? 0.5 : -1, positive ? 2 : 1, 'float32', seed + i);
    });
    if (ws.length) layer.setWeights(ws);
  }
}

async function compare(net: LayersModel, taps: ConversionTaps, inputShape: number[], seed = 1): Promise<{ error: number; layers: Record<string, number>; folded: number }> {
  randomizeWeights(net, seed * 100);
  const { model, report } = convertLayersModel(net, taps, 'op-test');
  const session = await ort.InferenceSession.create(encodeModel(model));
  const x = randomUniform([2, ...inputShape], -2, 2, 'float32', seed);
  const xs = x.dataSync() as Float32Array;
  const out = await session.run({ [ONNX_IO.input]: new ort.Tensor('float32', xs, [2, ...inputShape]) });
  const want = tidy(() => {
    const t = functionalModel({ inputs: net.inputs, outputs: net.getLayer(taps.featureLayer).output as SymbolicTensor }).predict(x) as Tensor;
    return taps.featurePooling === 'global_average' ? mean(t, [1, 2]) : t;
  });
  const error = maxRelativeError(out[ONNX_IO.features].data as Float32Array, want.dataSync() as Float32Array);
  expect(out[ONNX_IO.features].dims).toEqual(want.shape);
  want.dispose();
  x.dispose();
  await session.release();
  return { error, layers: report.layers, folded: report.foldedBatchNorms };
}

/** A one-input functional model: `build` maps the input to the tapped output. */
function tiny(shape: number[], build: (x: SymbolicTensor) => SymbolicTensor): { net: LayersModel; taps: ConversionTaps } {
  const x = input({ shape });
  const y = build(x);
  const net = functionalModel({ inputs: x, outputs: y });
  return { net, taps: { featureLayer: y.sourceLayer.name, featurePooling: 'none', head: null } };
}

const apply = (layer: ReturnType<typeof layers.conv2d>, x: SymbolicTensor): SymbolicTensor => layer.apply(x) as SymbolicTensor;

describe('convertLayersModel: each op equals tfjs on random tensors', () => {
  it('Conv2D: same padding with stride 2 and an odd total pad (TensorFlow pads the end), bias, relu', async () => {
    const { net, taps } = tiny([10, 12, 3], (x) => apply(layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x));
    const r = await compare(net, taps, [10, 12, 3]);
    expect(r.error).toBeLessThan(TOL);
    expect(r.layers['Conv2D']).toBe(1);
  });

  it('Conv2D: valid padding, rectangular kernel, dilation, no bias', async () => {
    const { net, taps } = tiny([12, 10, 4], (x) => apply(layers.conv2d({ filters: 3, kernelSize: [3, 2], dilationRate: 2, padding: 'valid', useBias: false }), x));
    expect((await compare(net, taps, [12, 10, 4], 2)).error).toBeLessThan(TOL);
  });

  it('DepthwiseConv2D: depth multiplier 2, stride 2, same padding, relu6 activation', async () => {
    const { net, taps } = tiny([10, 10, 3], (x) => apply(layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }), x));
    expect((await compare(net, taps, [10, 10, 3], 3)).error).toBeLessThan(TOL);
  });

  it('BatchNormalization after a linear convolution is folded into it; after an Add it stays an ONNX BatchNormalization', async () => {
    const x = input({ shape: [8, 8, 4] });
    const c1 = apply(layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x);
    const b1 = apply(layers.batchNormalization({ epsilon: 1e-3 }), c1);
    const sum = layers.add().apply([b1, x]) as SymbolicTensor;
    const b2 = apply(layers.batchNormalization({ scale: false, epsilon: 1e-3 }), sum);
    const net = functionalModel({ inputs: x, outputs: b2 });
    const r = await compare(net, { featureLayer: b2.sourceLayer.name, featurePooling: 'none', head: null }, [8, 8, 4], 4);
    expect(r.error).toBeLessThan(TOL);
    expect(r.folded).toBe(1);
    expect(r.layers['BatchNormalization']).toBe(2);
  });

  it('a convolution that is itself a tap keeps its BatchNorm separate (the tap must be the raw convolution)', async () => {
    const x = input({ shape: [6, 6, 2] });
    const c = apply(layers.conv2d({ filters: 3, kernelSize: 1 }), x);
    const b = apply(layers.batchNormalization({}), c);
    const gap = apply(layers.globalAveragePooling2d({}), b);
    const net = functionalModel({ inputs: x, outputs: gap });
    randomizeWeights(net, 7);
    const { report } = convertLayersModel(net, { featureLayer: c.sourceLayer.name, featurePooling: 'none', head: { layer: gap.sourceLayer.name, outputIsProbability: true } }, 't');
    expect(report.foldedBatchNorms).toBe(0);
    expect((await compare(net, { featureLayer: c.sourceLayer.name, featurePooling: 'none', head: null }, [6, 6, 2], 7)).error).toBeLessThan(TOL);
  });

  it('ReLU(max 6), LeakyReLU, Activation tanh/sigmoid and the Softmax layer', async () => {
    const { net, taps } = tiny([5, 5, 4], (x) => {
      let y = apply(layers.reLU({ maxValue: 6 }), apply(layers.conv2d({ filters: 4, kernelSize: 1 }), x));
      y = apply(layers.leakyReLU({ alpha: 0.1 }), apply(layers.conv2d({ filters: 4, kernelSize: 1, useBias: false }), y));
      y = apply(layers.activation({ activation: 'tanh' }), y);
      y = apply(layers.activation({ activation: 'sigmoid' }), y);
      return apply(layers.softmax({ axis: -1 }), y);
    });
    expect((await compare(net, taps, [5, 5, 4], 5)).error).toBeLessThan(TOL);
  });

  it('Concatenate on the channel axis of several branches', async () => {
    const { net, taps } = tiny([7, 7, 3], (x) => {
      const a = apply(layers.conv2d({ filters: 2, kernelSize: 1 }), x);
      const b = apply(layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same' }), x);
      return layers.concatenate({ axis: 3 }).apply([a, b, x]) as SymbolicTensor;
    });
    expect((await compare(net, taps, [7, 7, 3], 6)).error).toBeLessThan(TOL);
  });

  it("MaxPooling2D and AveragePooling2D with 'same' padding and odd total pads (the average excludes padding, as TensorFlow)", async () => {
    const { net, taps } = tiny([10, 8, 3], (x) => {
      const m = apply(layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
      const a = apply(layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), m);
      return apply(layers.averagePooling2d({ poolSize: 2, padding: 'valid' }), a);
    });
    expect((await compare(net, taps, [10, 8, 3], 8)).error).toBeLessThan(TOL);
  });

  it('ZeroPadding2D with asymmetric pads, then a strided valid convolution (the MobileNetV2 stem)', async () => {
    const { net, taps } = tiny([8, 8, 3], (x) => apply(layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }), apply(layers.zeroPadding2d({ padding: [[0, 1], [2, 1]] }), x)));
    expect((await compare(net, taps, [8, 8, 3], 9)).error).toBeLessThan(TOL);
  });

  it('Flatten of a 3x3 map keeps the channels-last element order; Dropout is the identity; Dense tanh and softmax', async () => {
    const { net, taps } = tiny([6, 6, 2], (x) => {
      let y = apply(layers.maxPooling2d({ poolSize: 2 }), apply(layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x));
      y = apply(layers.flatten(), apply(layers.dropout({ rate: 0.5 }), y));
      y = apply(layers.dense({ units: 7, activation: 'tanh' }), y);
      return apply(layers.dense({ units: 5, activation: 'softmax' }), y);
    });
    expect((await compare(net, taps, [6, 6, 2], 10)).error).toBeLessThan(TOL);
  });

  it('GlobalAveragePooling2D, and the global_average feature pooling of a 4-D tap', async () => {
    const g = tiny([5, 6, 3], (x) => apply(layers.globalAveragePooling2d({}), apply(layers.conv2d({ filters: 4, kernelSize: 3 }), x)));
    expect((await compare(g.net, g.taps, [5, 6, 3], 11)).error).toBeLessThan(TOL);
    const p = tiny([5, 6, 3], (x) => apply(layers.conv2d({ filters: 4, kernelSize: 3 }), x));
    expect((await compare(p.net, { ...p.taps, featurePooling: 'global_average' }, [5, 6, 3], 12)).error).toBeLessThan(TOL);
  });

  it('Reshape of a flat vector to a map and back', async () => {
    const { net, taps } = tiny([4, 4, 2], (x) => {
      const flat = apply(layers.dense({ units: 12 }), apply(layers.flatten(), x));
      const map = apply(layers.reshape({ targetShape: [2, 3, 2] }), flat);
      return apply(layers.reshape({ targetShape: [12] }), apply(layers.conv2d({ filters: 2, kernelSize: 1 }), map));
    });
    expect((await compare(net, taps, [4, 4, 2], 13)).error).toBeLessThan(TOL);
  });

  it('a Sequential model (no explicit InputLayer, as DoodleNet) converts', async () => {
    const net = sequential({ layers: [layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu' }), layers.flatten(), layers.dense({ units: 4 })] });
    const r = await compare(net, { featureLayer: net.layers[2].name, featurePooling: 'none', head: null }, [6, 6, 1], 14);
    expect(r.error).toBeLessThan(TOL);
  });

  it('a head that outputs logits gives logits and their softmax; a probability head gives probabilities only', async () => {
    const x = input({ shape: [4] });
    const hidden = apply(layers.dense({ units: 6, activation: 'relu' }), x);
    const head = apply(layers.dense({ units: 3 }), hidden);
    const net = functionalModel({ inputs: x, outputs: head });
    const logits = convertLayersModel(net, { featureLayer: hidden.sourceLayer.name, featurePooling: 'none', head: { layer: head.sourceLayer.name, outputIsProbability: false } }, 't');
    expect(logits.model.graph.output.map((o) => o.name)).toEqual([ONNX_IO.features, ONNX_IO.logits, ONNX_IO.probabilities]);
    const session = await ort.InferenceSession.create(encodeModel(logits.model));
    const out = await session.run({ [ONNX_IO.input]: new ort.Tensor('float32', Float32Array.of(1, -2, 3, 0.5), [1, 4]) });
    const l = [...(out[ONNX_IO.logits].data as Float32Array)];
    const z = l.map((v) => Math.exp(v - Math.max(...l)));
    const sum = z.reduce((a, b) => a + b, 0);
    expect(maxRelativeError(out[ONNX_IO.probabilities].data as Float32Array, Float32Array.from(z.map((v) => v / sum)))).toBeLessThan(1e-6);
    const probs = convertLayersModel(net, { featureLayer: hidden.sourceLayer.name, featurePooling: 'none', head: { layer: head.sourceLayer.name, outputIsProbability: true } }, 't');
    expect(probs.model.graph.output.map((o) => o.name)).toEqual([ONNX_IO.features, ONNX_IO.probabilities]);
  });
});

describe('convertLayersModel: what it refuses', () => {
  it('a layer without a conversion names the layer and its class', () => {
    const { net, taps } = tiny([4, 4, 2], (x) => apply(layers.upSampling2d({ size: [2, 2] }), x));
    expect(() => convertLayersModel(net, taps, 'm')).toThrow(OnnxError);
    expect(() => convertLayersModel(net, taps, 'm')).toThrow(/up_sampling2d.*UpSampling2D/);
  });

  it('an activation it does not know', () => {
    const { net, taps } = tiny([4], (x) => apply(layers.dense({ units: 2, activation: 'selu' }), x));
    expect(() => convertLayersModel(net, taps, 'm')).toThrow(/activation "selu"/);
  });

  it('a tap layer that does not exist', () => {
    const { net } = tiny([4], (x) => apply(layers.dense({ units: 2 }), x));
    expect(() => convertLayersModel(net, { featureLayer: 'nope', featurePooling: 'none', head: null }, 'm')).toThrow(/tap layer "nope" not found/);
  });

  it('global_average pooling of a flat tap', () => {
    const { net, taps } = tiny([4], (x) => apply(layers.dense({ units: 2 }), x));
    expect(() => convertLayersModel(net, { ...taps, featurePooling: 'global_average' }, 'm')).toThrow(/global_average pooling of a rank-2 tap/);
  });
});
