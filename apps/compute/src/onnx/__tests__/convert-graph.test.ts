import { beforeAll, describe, expect, it } from 'vitest';
import { io, randomUniform, type Tensor } from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { selectBackend } from '../../backends/select-backend';
import { convertGraphModel, type GraphWeights, type TfNode } from '../convert-graph';
import { ONNX_IO } from '../convert-layers';
import { encodeModel } from '../onnx-schema';
import { maxRelativeError } from '../verify-onnx';

/*
 * The graph converter against tfjs-converter itself: a small frozen TensorFlow graph written as tfjs
 * graph-model JSON with random constants, executed by `loadGraphModel` (the reference) and by
 * onnxruntime after conversion. It chains every op of the zoo's graph model plus the unfused variants.
 */

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const list = (...i: number[]) => ({ list: { i: i.map(String) } });
const S = 10;

beforeAll(async () => {
  await selectBackend('cpu', { log: () => {} });
});

interface Built {
  nodes: TfNode[];
  weights: GraphWeights;
  specs: io.WeightsManifestEntry[];
  data: Float32Array;
}

function build(): Built {
  const nodes: TfNode[] = [{ name: 'input', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: String(S) }, { size: String(S) }, { size: '3' }] } } } }];
  const weights: GraphWeights = new Map();
  const specs: io.WeightsManifestEntry[] = [];
  const chunks: Float32Array[] = [];
  let seed = 1;
  const konst = (name: string, shape: number[], lo = -0.3, hi = 0.3): string => {
    const data = randomUniform(shape, lo, hi, 'float32', seed++).dataSync() as Float32Array;
    weights.set(name, { data: Float32Array.from(data), shape });
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(Float32Array.from(data));
    nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } as never, dtype: { type: 'DT_FLOAT' } as never } });
    return name;
  };
  const conv = (padding: string, fused: string[]) => ({
    strides: list(1, 2, 2, 1),
    dilations: list(1, 1, 1, 1),
    padding: { s: b64(padding) },
    data_format: { s: b64('NHWC') },
    ...(fused.length ? { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: '1' } } : {}),
  });
  const node = (name: string, op: string, input: string[], attr: TfNode['attr'] = {}): string => {
    nodes.push({ name, op, input, attr });
    return name;
  };
  let x = node('mul', 'Mul', [konst('two', [], 1.5, 2.5), 'input']);
  x = node('sub', 'Sub', [x, konst('one', [], 0.5, 1.5)]);
  // Stride 2, SAME on an even size: TensorFlow pads only at the end (odd total pad).
  x = node('conv1', '_FusedConv2D', [x, konst('conv1_w', [3, 3, 3, 4]), konst('conv1_b', [4])], conv('SAME', ['BiasAdd', 'Relu6']));
  const dw = node('dw', 'FusedDepthwiseConv2dNative', [x, konst('dw_w', [3, 3, 4, 2]), konst('dw_b', [8])], { ...conv('SAME', ['BiasAdd', 'Relu']), strides: list(1, 1, 1, 1) });
  const c2 = node('conv2', 'Conv2D', [x, konst('conv2_w', [1, 1, 4, 8])], { ...conv('VALID', []), strides: list(1, 1, 1, 1) });
  x = node('add', 'AddV2', [dw, c2]);
  x = node('bias', 'BiasAdd', [x, konst('bias_b', [8])]);
  x = node('relu6', 'Relu6', [x]);
  x = node('dw2', 'DepthwiseConv2dNative', [x, konst('dw2_w', [3, 3, 8, 1])], { ...conv('VALID', []), strides: list(1, 1, 1, 1) });
  x = node('pool', 'AvgPool', [x], { ksize: list(1, 3, 3, 1), strides: list(1, 1, 1, 1), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } });
  const features = node('squeeze', 'Squeeze', [x], { squeeze_dims: list(1, 2) });
  const logits = node('dense', '_FusedMatMul', [features, konst('dense_w', [8, 5]), konst('dense_b', [5])], { transpose_a: { b: false }, transpose_b: { b: false }, num_args: { i: '1' }, fused_ops: { list: { s: [b64('BiasAdd')] } } });
  node('softmax', 'Softmax', [logits]);
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const data = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    data.set(c, off);
    off += c.length;
  }
  return { nodes, weights, specs, data };
}

describe('convertGraphModel', () => {
  it('equals tfjs-converter on random input: Mul/Sub constants, fused and plain (depthwise) convolutions, AddV2, BiasAdd, Relu6, AvgPool, Squeeze, _FusedMatMul', async () => {
    const b = build();
    const reference = await loadGraphModel(io.fromMemory({ modelTopology: { node: b.nodes, versions: { producer: 1 } }, weightSpecs: b.specs, weightData: b.data.buffer as ArrayBuffer }));
    const { model, report } = convertGraphModel(b.nodes, b.weights, { featureNode: 'squeeze', head: { node: 'dense', outputIsProbability: false } }, 'g');
    expect(report.transposes).toBe(1);
    const session = await ort.InferenceSession.create(encodeModel(model));
    const x = randomUniform([3, S, S, 3], 0, 1, 'float32', 99);
    const [f, l] = reference.execute(x, ['squeeze', 'dense']) as Tensor[];
    const out = await session.run({ [ONNX_IO.input]: new ort.Tensor('float32', x.dataSync() as Float32Array, [3, S, S, 3]) });
    expect(out[ONNX_IO.features].dims).toEqual([3, 8]);
    expect(maxRelativeError(out[ONNX_IO.features].data as Float32Array, f.dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(maxRelativeError(out[ONNX_IO.logits].data as Float32Array, l.dataSync() as Float32Array)).toBeLessThan(1e-5);
  });

  it('names an op it cannot convert, and a fused op list it does not know', () => {
    const b = build();
    const bad = b.nodes.map((n) => (n.name === 'relu6' ? { ...n, op: 'Selu' } : n));
    expect(() => convertGraphModel(bad, b.weights, { featureNode: 'squeeze', head: null }, 'g')).toThrow(/node relu6 \(Selu\) has no ONNX conversion/);
    const fused = b.nodes.map((n) => (n.name === 'conv1' ? { ...n, attr: { ...n.attr, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6'), b64('Relu')] } } } } : n));
    expect(() => convertGraphModel(fused, b.weights, { featureNode: 'squeeze', head: null }, 'g')).toThrow(/fused ops/);
  });

  it('refuses a tap that is not a flat [batch, dim] value, and one that does not exist', () => {
    const b = build();
    expect(() => convertGraphModel(b.nodes, b.weights, { featureNode: 'pool', head: null }, 'g')).toThrow(/not \[batch, dim\]/);
    expect(() => convertGraphModel(b.nodes, b.weights, { featureNode: 'nope', head: null }, 'g')).toThrow(/tap node "nope" not found/);
  });
});
