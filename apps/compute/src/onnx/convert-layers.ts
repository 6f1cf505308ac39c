import { type Tensor } from '@tensorflow/tfjs-core';
import { type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { type AttrValue, GraphBuilder, type ValueSpec } from './graph-builder';
import { OnnxError } from './onnx-error';
import { type OnnxModel } from './onnx-schema';

/**
 * Converts a TensorFlow.js layers model (Keras topology, channels-last) into an ONNX graph that computes
 * the same taps. The graph keeps the NHWC input of the original (one Transpose to NCHW follows it, as
 * ONNX convolutions are channels-first) and exposes the taps as graph outputs:
 * `features` ([batch, dim], globally average-pooled when the tap asks for it), and for a head either
 * `probabilities` (a head that outputs probabilities) or `logits` and `probabilities` = softmax(logits).
 *
 * BatchNormalization that alone consumes a linear convolution (not itself a tap) is folded into it:
 * with s = gamma / sqrt(var + eps) per output channel, BN(conv(x, W) + b) = conv(x, W s) + (b - mean) s + beta,
 * computed in float64 and rounded once to float32. Other BatchNormalizations become ONNX BatchNormalization.
 * Dropout is the identity at inference. Weights are read from the loaded model, so uint8-quantised
 * shards arrive dequantised exactly as tfjs computes with them.
 */

/** Which layer outputs become graph outputs. */
export interface ConversionTaps {
  featureLayer: string;
  featurePooling: 'none' | 'global_average';
  /** The source head, or null when the model has none. */
  head: { layer: string; outputIsProbability: boolean } | null;
}

/** What the converter did, for logs and tests. */
export interface ConversionReport {
  /** Keras class name -> number of layers converted. */
  layers: Record<string, number>;
  foldedBatchNorms: number;
  /** Transposes between NHWC and NCHW (1 at the input, plus one per Flatten/Reshape of a spatial map). */
  transposes: number;
}

/** Names of the graph's input and outputs (what {@link loadOnnxModel} feeds and reads). */
export const ONNX_IO = { input: 'input', features: 'features', probabilities: 'probabilities', logits: 'logits' } as const;

/** Bumped whenever the converter's output changes, so cached conversions are redone. */
export const CONVERTER_VERSION = '1';

type Layout = 'nhwc' | 'nchw' | 'flat';

/** A converted value: its ONNX name, layout, and its Keras (channels-last) shape. */
interface Val {
  name: string;
  layout: Layout;
  shape: readonly (number | null)[];
}

type KerasLayer = LayersModel['layers'][number];

interface InboundNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
  inboundLayers: KerasLayer[];
}

function inbound(layer: KerasLayer): InboundNode {
  const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  if (nodes.length !== 1) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name} is used ${nodes.length} times (shared or nested layers are not supported)`);
  return nodes[0];
}

/** The layer's weights by role (kernel, bias, gamma, ...), as float32 copies. */
function weightsOf(layer: KerasLayer): Map<string, { data: Float32Array; shape: number[] }> {
  const tensors: Tensor[] = layer.getWeights();
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  layer.weights.forEach((w, i) => {
    // 'conv2d_1/kernel_1' -> 'kernel': tfjs suffixes duplicate variable names with _N.
    const role = (w.originalName ?? w.name).split('/').pop()!.replace(/_\d+$/, '');
    out.set(role, { data: Float32Array.from(tensors[i].dataSync() as Float32Array), shape: [...tensors[i].shape] });
  });
  return out;
}

function need(map: Map<string, { data: Float32Array; shape: number[] }>, role: string, layer: KerasLayer): { data: Float32Array; shape: number[] } {
  const w = map.get(role);
  if (!w) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name} has no "${role}" weight (has ${[...map.keys()].join(', ')})`);
  return w;
}

const pairOf = (v: unknown, what: string, layer: KerasLayer): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: ${what} ${JSON.stringify(v)} is not an int or a pair`);
};

/** TensorFlow's padding of one spatial axis as [begin, end]: 'same' puts the odd pixel at the end. */
function axisPads(n: number | null, k: number, s: number, d: number, padding: string, layer: KerasLayer): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: padding "${padding}" is not supported`);
  if (n === null) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: 'same' padding needs a static input size`);
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

function checkChannelsLast(layer: KerasLayer, config: Record<string, unknown>): void {
  const f = config['dataFormat'];
  if (f !== undefined && f !== 'channelsLast') throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: dataFormat ${String(f)} (only channelsLast is supported)`);
}

/** Converts `net` to ONNX; throws `OnnxError('UNSUPPORTED_LAYER')` naming the first layer it cannot express. */
export function convertLayersModel(net: LayersModel, taps: ConversionTaps, graphName: string): { model: OnnxModel; report: ConversionReport } {
  if (net.inputs.length !== 1) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: ${net.inputs.length} inputs (one image input is supported)`);
  const g = new GraphBuilder();
  const report: ConversionReport = { layers: {}, foldedBatchNorms: 0, transposes: 0 };
  const values = new Map<number, Val>();
  const transposed = new Map<string, string>();
  const inputTensor = net.inputs[0];
  const inputShape = inputTensor.shape;
  values.set(inputTensor.id, { name: g.reserve(ONNX_IO.input), layout: inputShape.length === 4 ? 'nhwc' : 'flat', shape: inputShape });

  const byName = new Map(net.layers.map((l) => [l.name, l]));
  const tapLayer = (name: string): KerasLayer => {
    const l = byName.get(name);
    if (!l) throw new OnnxError('VALUE_NOT_FOUND', `${graphName}: tap layer "${name}" not found`);
    return l;
  };
  const tapNames = new Set([taps.featureLayer, ...(taps.head ? [taps.head.layer] : [])]);

  // Only the layers the taps depend on, each counted by its consumers (for BatchNorm folding).
  const needed = new Set<string>();
  const consumers = new Map<string, number>();
  const stack = [...tapNames].map(tapLayer);
  while (stack.length) {
    const l = stack.pop()!;
    if (needed.has(l.name)) continue;
    needed.add(l.name);
    for (const src of inbound(l).inboundLayers) {
      consumers.set(src.name, (consumers.get(src.name) ?? 0) + 1);
      if (byName.has(src.name)) stack.push(src);
    }
  }

  const nchw = (v: Val): string => {
    if (v.layout !== 'nhwc') return v.name;
    let t = transposed.get(v.name);
    if (!t) {
      t = g.node('Transpose', [v.name], `${v.name}_nchw`, { perm: [0, 3, 1, 2] });
      report.transposes++;
      transposed.set(v.name, t);
    }
    return t;
  };
  const nhwc = (v: Val): string => {
    if (v.layout !== 'nchw') return v.name;
    let t = transposed.get(v.name);
    if (!t) {
      t = g.node('Transpose', [v.name], `${v.name}_nhwc`, { perm: [0, 2, 3, 1] });
      report.transposes++;
      transposed.set(v.name, t);
    }
    return t;
  };
  const scalar = (hint: string, x: number): string => g.floats(hint, [], Float32Array.of(x));
  /** Keras channel axis (of a channels-last shape of rank r) -> ONNX axis of the value's layout. */
  const onnxAxis = (axis: number, v: Val): number => {
    const r = v.shape.length;
    const a = axis < 0 ? axis + r : axis;
    if (v.layout === 'flat' || r !== 4) return a;
    return a === 0 ? 0 : a === 3 ? 1 : a + 1;
  };

  function activation(fn: unknown, x: string, v: Val, name: string, layer: KerasLayer): string {
    switch (fn ?? 'linear') {
      case 'linear':
        return x;
      case 'relu':
        return g.node('Relu', [x], name);
      case 'relu6':
        return g.node('Clip', [x, scalar(`${name}_min`, 0), scalar(`${name}_max`, 6)], name);
      case 'tanh':
        return g.node('Tanh', [x], name);
      case 'sigmoid':
        return g.node('Sigmoid', [x], name);
      case 'elu':
        return g.node('Elu', [x], name);
      case 'softplus':
        return g.node('Softplus', [x], name);
      case 'softmax':
        return g.node('Softmax', [x], name, { axis: onnxAxis(-1, v) });
      default:
        throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: activation "${String(fn)}" is not supported`);
    }
  }

  /** A BatchNormalization that can be folded into `conv`: its only consumer, channel axis, conv linear and not a tap. */
  function foldableBatchNorm(conv: KerasLayer, config: Record<string, unknown>): KerasLayer | null {
    if ((config['activation'] ?? 'linear') !== 'linear' || tapNames.has(conv.name) || consumers.get(conv.name) !== 1) return null;
    const next = net.layers.find((l) => needed.has(l.name) && inbound(l).inboundLayers.some((s) => s.name === conv.name));
    if (!next || next.getClassName() !== 'BatchNormalization') return null;
    const axis = Number(next.getConfig()['axis']);
    return axis === -1 || axis === 3 ? next : null;
  }

  /** Folds BN into per-output-channel scale/shift of (kernel, bias); `outChannel(i)` maps a flat ONNX kernel index to its output channel. */
  function foldInto(bn: KerasLayer, kernel: Float32Array, bias: Float32Array, perOut: number): void {
    const c = bn.getConfig();
    const w = weightsOf(bn);
    const eps = Number(c['epsilon']);
    const mean = need(w, 'moving_mean', bn).data;
    const variance = need(w, 'moving_variance', bn).data;
    const gamma = w.get('gamma')?.data;
    const beta = w.get('beta')?.data;
    for (let o = 0; o < bias.length; o++) {
      const s = (gamma ? gamma[o] : 1) / Math.sqrt(variance[o] + eps);
      for (let i = o * perOut; i < (o + 1) * perOut; i++) kernel[i] = kernel[i] * s;
      bias[o] = (bias[o] - mean[o]) * s + (beta ? beta[o] : 0);
    }
    report.foldedBatchNorms++;
  }

  const folded = new Map<string, string>();

  for (const layer of net.layers) {
    if (!needed.has(layer.name)) continue;
    const node = inbound(layer);
    const ins = node.inputTensors.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${layer.name}: input ${t.name} was not computed before it (layers out of order)`);
      return v;
    });
    const outTensor = node.outputTensors[0];
    const outShape = outTensor.shape;
    const cls = layer.getClassName();
    const c = layer.getConfig() as Record<string, unknown>;
    const name = layer.name;
    const x = ins[0];
    let out: Val;
    const spatialOut = (n: string): Val => ({ name: n, layout: 'nchw', shape: outShape });

    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
      case 'SpatialDropout2D':
        out = { ...x, shape: outShape };
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        checkChannelsLast(layer, c);
        const [kh, kw] = pairOf(c['kernelSize'], 'kernelSize', layer);
        const [sh, sw] = pairOf(c['strides'] ?? 1, 'strides', layer);
        const [dh, dw] = pairOf(c['dilationRate'] ?? 1, 'dilationRate', layer);
        const padding = String(c['padding']);
        const [pt, pb] = axisPads(x.shape[1], kh, sh, dh, padding, layer);
        const [pl, pr] = axisPads(x.shape[2], kw, sw, dw, padding, layer);
        const w = weightsOf(layer);
        const depthwise = cls === 'DepthwiseConv2D';
        const k = need(w, depthwise ? 'depthwise_kernel' : 'kernel', layer);
        const [, , ci, co] = k.shape; // conv: [kh, kw, in, out]; depthwise: [kh, kw, in, multiplier]
        const outCh = depthwise ? ci * co : co;
        const perOut = depthwise ? kh * kw : ci * kh * kw;
        // ONNX weight [out, in/group, kh, kw]; depthwise output channel = in * multiplier + m, group = in.
        const kernel = new Float32Array(outCh * perOut);
        for (let y = 0; y < kh; y++) {
          for (let xx = 0; xx < kw; xx++) {
            for (let i = 0; i < ci; i++) {
              for (let o = 0; o < co; o++) {
                const src = k.data[((y * kw + xx) * ci + i) * co + o];
                if (depthwise) kernel[((i * co + o) * kh + y) * kw + xx] = src;
                else kernel[((o * ci + i) * kh + y) * kw + xx] = src;
              }
            }
          }
        }
        const bias = new Float32Array(outCh);
        if (c['useBias'] !== false) bias.set(need(w, 'bias', layer).data);
        const bn = foldableBatchNorm(layer, c);
        if (bn) foldInto(bn, kernel, bias, perOut);
        const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads: [pt, pl, pb, pr], group: depthwise ? ci : 1 };
        const conv = g.node('Conv', [nchw(x), g.floats(`${name}_W`, [outCh, depthwise ? 1 : ci, kh, kw], kernel), g.floats(`${name}_B`, [outCh], bias)], name, attrs);
        out = spatialOut(activation(c['activation'], conv, spatialOut(conv), `${name}_act`, layer));
        if (bn) folded.set(bn.name, out.name);
        break;
      }
      case 'BatchNormalization': {
        const f = folded.get(name);
        if (f) {
          out = { name: f, layout: 'nchw', shape: outShape };
          break;
        }
        const axis = Number(c['axis']);
        if (onnxAxis(axis, x) !== 1) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${name}: BatchNormalization over axis ${axis} (only the channel axis is supported)`);
        const w = weightsOf(layer);
        const mean = need(w, 'moving_mean', layer).data;
        const ch = mean.length;
        const gamma = w.get('gamma')?.data ?? new Float32Array(ch).fill(1);
        const beta = w.get('beta')?.data ?? new Float32Array(ch);
        const inputs = [nchw(x), g.floats(`${name}_scale`, [ch], gamma), g.floats(`${name}_B`, [ch], beta), g.floats(`${name}_mean`, [ch], mean), g.floats(`${name}_var`, [ch], need(w, 'moving_variance', layer).data)];
        out = { name: g.node('BatchNormalization', inputs, name, { epsilon: { float: Number(c['epsilon']) } }), layout: x.layout === 'flat' ? 'flat' : 'nchw', shape: outShape };
        break;
      }
      case 'Activation':
        out = { name: activation(c['activation'], x.name, x, name, layer), layout: x.layout, shape: outShape };
        break;
      case 'ReLU': {
        const max = c['maxValue'];
        const v = max === null || max === undefined ? g.node('Relu', [x.name], name) : g.node('Clip', [x.name, scalar(`${name}_min`, 0), scalar(`${name}_max`, Number(max))], name);
        out = { name: v, layout: x.layout, shape: outShape };
        break;
      }
      case 'LeakyReLU':
        out = { name: g.node('LeakyRelu', [x.name], name, { alpha: { float: Number(c['alpha'] ?? 0.3) } }), layout: x.layout, shape: outShape };
        break;
      case 'Softmax':
        out = { name: g.node('Softmax', [x.name], name, { axis: onnxAxis(Number(c['axis'] ?? -1), x) }), layout: x.layout, shape: outShape };
        break;
      case 'Add': {
        const spatial = ins.some((v) => v.layout === 'nchw');
        const names = ins.map((v) => (spatial ? nchw(v) : v.name));
        let acc = names[0];
        for (let i = 1; i < names.length; i++) acc = g.node('Add', [acc, names[i]], i === names.length - 1 ? name : `${name}_${i}`);
        out = { name: acc, layout: spatial ? 'nchw' : x.layout, shape: outShape };
        break;
      }
      case 'Concatenate': {
        const spatial = ins.some((v) => v.layout === 'nchw' || v.layout === 'nhwc');
        const asLaid: Val = spatial ? { ...x, layout: 'nchw' } : x;
        out = { name: g.node('Concat', ins.map((v) => (spatial ? nchw(v) : v.name)), name, { axis: onnxAxis(Number(c['axis'] ?? -1), asLaid) }), layout: asLaid.layout, shape: outShape };
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(layer, c);
        const [kh, kw] = pairOf(c['poolSize'], 'poolSize', layer);
        const [sh, sw] = pairOf(c['strides'] ?? c['poolSize'], 'strides', layer);
        const padding = String(c['padding']);
        const [pt, pb] = axisPads(x.shape[1], kh, sh, 1, padding, layer);
        const [pl, pr] = axisPads(x.shape[2], kw, sw, 1, padding, layer);
        // TensorFlow averages over the valid pixels only: ONNX count_include_pad = 0 (its default).
        const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw], pads: [pt, pl, pb, pr] };
        out = spatialOut(g.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [nchw(x)], name, attrs));
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        checkChannelsLast(layer, c);
        if (c['keepDims'] === true) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${name}: keepDims is not supported`);
        const pooled = g.node(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [nchw(x)], `${name}_pool`);
        out = { name: g.node('Flatten', [pooled], name, { axis: 1 }), layout: 'flat', shape: outShape };
        break;
      }
      case 'ZeroPadding2D': {
        checkChannelsLast(layer, c);
        const p = c['padding'];
        const [[t, b], [l, r]] =
          typeof p === 'number'
            ? [[p, p], [p, p]]
            : Array.isArray(p) && p.length === 2
              ? [pairOf(p[0], 'padding', layer), pairOf(p[1], 'padding', layer)]
              : (() => {
                  throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${name}: padding ${JSON.stringify(p)}`);
                })();
        out = spatialOut(g.node('Pad', [nchw(x), g.int64s(`${name}_pads`, [0, 0, t, l, 0, 0, b, r])], name));
        break;
      }
      case 'Flatten':
        // Keras flattens channels-last: back to NHWC first so the element order matches.
        out = { name: x.layout === 'flat' && x.shape.length === 2 ? x.name : g.node('Flatten', [nhwc(x)], name, { axis: 1 }), layout: 'flat', shape: outShape };
        break;
      case 'Reshape': {
        const target = (c['targetShape'] as number[]).map(Number);
        if (target.length !== 1 && target.length !== 3) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${name}: reshape to rank ${target.length + 1} is not supported`);
        const r = g.node('Reshape', [nhwc(x), g.int64s(`${name}_shape`, [0, ...target])], name);
        out = { name: r, layout: target.length === 3 ? 'nhwc' : 'flat', shape: outShape };
        break;
      }
      case 'Dense': {
        if (x.shape.length !== 2) throw new OnnxError('UNSUPPORTED_CONFIG', `layer ${name}: Dense on a rank-${x.shape.length} input is not supported`);
        const w = weightsOf(layer);
        const k = need(w, 'kernel', layer);
        const inputs = [x.name, g.floats(`${name}_W`, k.shape, k.data)];
        if (c['useBias'] !== false) inputs.push(g.floats(`${name}_B`, [k.shape[1]], need(w, 'bias', layer).data));
        const gemm = g.node('Gemm', inputs, c['activation'] && c['activation'] !== 'linear' ? `${name}_linear` : name);
        const flat: Val = { name: gemm, layout: 'flat', shape: outShape };
        out = { ...flat, name: activation(c['activation'], gemm, flat, name, layer) };
        break;
      }
      default:
        throw new OnnxError('UNSUPPORTED_LAYER', `${graphName}: layer ${name} (${cls}) has no ONNX conversion`);
    }
    report.layers[cls] = (report.layers[cls] ?? 0) + 1;
    values.set(outTensor.id, out);
  }

  const valueOf = (layerName: string): Val => {
    const l = tapLayer(layerName);
    const v = values.get(inbound(l).outputTensors[0].id);
    if (!v) throw new OnnxError('VALUE_NOT_FOUND', `${graphName}: tap ${layerName} was not converted`);
    return v;
  };
  const outputs: ValueSpec[] = [];
  const batch = 'batch';
  const f = valueOf(taps.featureLayer);
  if (taps.featurePooling === 'global_average') {
    if (f.shape.length !== 4) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: global_average pooling of a rank-${f.shape.length} tap`);
    const pooled = g.node('GlobalAveragePool', [nchw(f)], `${ONNX_IO.features}_pool`);
    g.node('Flatten', [pooled], ONNX_IO.features, { axis: 1 }, g.reserve(ONNX_IO.features));
    outputs.push({ name: ONNX_IO.features, dims: [batch, Number(f.shape[3])] });
  } else {
    g.node('Identity', [nhwc(f)], ONNX_IO.features, {}, g.reserve(ONNX_IO.features));
    outputs.push({ name: ONNX_IO.features, dims: [batch, ...f.shape.slice(1).map(Number)] });
  }
  if (taps.head) {
    const h = valueOf(taps.head.layer);
    if (h.shape.length !== 2) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: head ${taps.head.layer} has rank ${h.shape.length}, expected [batch, classes]`);
    outputs.push(...addHeadOutputs(g, h.name, [batch, Number(h.shape[1])], taps.head.outputIsProbability));
  }
  const model = g.build(graphName, { name: ONNX_IO.input, dims: [batch, ...inputShape.slice(1).map(Number)] }, outputs, { converterVersion: CONVERTER_VERSION, source: 'tfjs-layers' });
  return { model, report };
}

/**
 * The head tap as graph outputs, the same for both converters: `probabilities` always, and `logits` too when the
 * head outputs logits (then probabilities = Softmax(logits)).
 */
export function addHeadOutputs(g: GraphBuilder, head: string, dims: ValueSpec['dims'], outputIsProbability: boolean): ValueSpec[] {
  if (outputIsProbability) {
    g.node('Identity', [head], ONNX_IO.probabilities, {}, g.reserve(ONNX_IO.probabilities));
    return [{ name: ONNX_IO.probabilities, dims }];
  }
  g.node('Identity', [head], ONNX_IO.logits, {}, g.reserve(ONNX_IO.logits));
  g.node('Softmax', [head], ONNX_IO.probabilities, { axis: -1 }, g.reserve(ONNX_IO.probabilities));
  return [
    { name: ONNX_IO.logits, dims },
    { name: ONNX_IO.probabilities, dims },
  ];
}
