import { type GraphBuilder as GB, GraphBuilder, type AttrValue, type ValueSpec } from './graph-builder';
import { addHeadOutputs, CONVERTER_VERSION, type ConversionReport, ONNX_IO } from './convert-layers';
import { OnnxError } from './onnx-error';
import { type OnnxModel } from './onnx-schema';

/**
 * Converts a TensorFlow.js graph model (a frozen TensorFlow graph, NHWC) into ONNX with the same taps as
 * {@link convertLayersModel}: input `input` (NHWC, one Transpose to NCHW after it), outputs `features`
 * and `probabilities` / `logits`. It covers the ops of the zoo's graph model (the TF-Hub MobileNetV2
 * feature vector + Dense): Placeholder, Const, Mul/Sub/Add/AddV2 with constants, _FusedConv2D and
 * FusedDepthwiseConv2dNative (BiasAdd + Relu/Relu6 fused, BatchNorm already folded by the TF converter),
 * Conv2D, DepthwiseConv2dNative, BiasAdd, AvgPool, MaxPool, Squeeze, MatMul and _FusedMatMul, Relu,
 * Relu6, Softmax and Identity. Anything else gives `UNSUPPORTED_LAYER` naming the node.
 */

/** One node of a tfjs graph model's `modelTopology.node`. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { i?: string[]; s?: string[] }; s?: string; i?: string; f?: number; b?: boolean; shape?: unknown }>;
}

/** Dequantised constant tensors by node name (what `io.decodeWeights` gives for the weights manifest). */
export type GraphWeights = Map<string, { data: Float32Array; shape: number[] }>;

type Layout = 'nhwc' | 'nchw' | 'flat';
interface Val {
  name: string;
  layout: Layout;
  /** Logical TensorFlow (NHWC) shape; -1 for the batch. */
  shape: number[];
}

const text = (b64: string | undefined): string => (b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('utf8'));
const ints = (node: TfNode, key: string): number[] => (node.attr?.[key]?.list?.i ?? []).map(Number);
const strings = (node: TfNode, key: string): string[] => (node.attr?.[key]?.list?.s ?? []).map(text);

/** TensorFlow padding of one axis as [begin, end]. */
function pads(n: number, k: number, s: number, d: number, padding: string, node: TfNode): [number, number] {
  if (padding === 'VALID') return [0, 0];
  if (padding !== 'SAME') throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: padding ${padding} is not supported`);
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const outLen = (n: number, k: number, s: number, d: number, p: [number, number]): number => Math.floor((n + p[0] + p[1] - ((k - 1) * d + 1)) / s) + 1;

export function convertGraphModel(
  nodes: readonly TfNode[],
  weights: GraphWeights,
  taps: { featureNode: string; head: { node: string; outputIsProbability: boolean } | null },
  graphName: string,
): { model: OnnxModel; report: ConversionReport } {
  const g: GB = new GraphBuilder();
  const report: ConversionReport = { layers: {}, foldedBatchNorms: 0, transposes: 0 };
  const values = new Map<string, Val>();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const transposed = new Map<string, string>();
  let inputShape: number[] | null = null;

  const nchw = (v: Val): string => {
    if (v.layout !== 'nhwc') return v.name;
    let t = transposed.get(v.name);
    if (!t) {
      t = g.node('Transpose', [v.name], `${v.name}_nchw`, { perm: [0, 3, 1, 2] });
      transposed.set(v.name, t);
      report.transposes++;
    }
    return t;
  };
  const constOf = (name: string): { data: Float32Array; shape: number[] } | null => {
    const n = byName.get(name.split(':')[0]);
    if (!n || n.op !== 'Const') return null;
    const w = weights.get(n.name);
    if (!w) throw new OnnxError('VALUE_NOT_FOUND', `${graphName}: constant ${n.name} has no weight data`);
    return w;
  };
  const need = (name: string, user: TfNode): Val => {
    const v = values.get(name.split(':')[0]);
    if (!v) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: node ${user.name} reads ${name}, which is not computed before it`);
    return v;
  };
  /** A constant as an initializer broadcastable against `like` (per-channel vectors become [C,1,1] in NCHW). */
  const broadcastConst = (w: { data: Float32Array; shape: number[] }, like: Val, hint: string): string => {
    if (w.data.length === 1) return g.floats(hint, [], w.data);
    if (w.shape.length === 1 && like.layout === 'nchw') return g.floats(hint, [w.shape[0], 1, 1], w.data);
    if (w.shape.length === 1) return g.floats(hint, w.shape, w.data);
    throw new OnnxError('UNSUPPORTED_CONFIG', `${hint}: constant of shape [${w.shape.join(', ')}] in an elementwise op`);
  };
  const activation = (op: string, x: string, hint: string, node: TfNode): string => {
    switch (op) {
      case 'Relu':
        return g.node('Relu', [x], hint);
      case 'Relu6':
        return g.node('Clip', [x, g.floats(`${hint}_min`, [], Float32Array.of(0)), g.floats(`${hint}_max`, [], Float32Array.of(6))], hint);
      case 'Elu':
        return g.node('Elu', [x], hint);
      case 'LeakyRelu':
        return g.node('LeakyRelu', [x], hint, { alpha: { float: Number(node.attr?.['leakyrelu_alpha']?.f ?? 0.2) } });
      case 'Sigmoid':
        return g.node('Sigmoid', [x], hint);
      case 'Tanh':
        return g.node('Tanh', [x], hint);
      default:
        throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: fused activation ${op} is not supported`);
    }
  };
  /** fused_ops = [BiasAdd, activation?]: returns the activation (or null). */
  const fusedActivation = (node: TfNode): string | null => {
    const ops = strings(node, 'fused_ops');
    if (ops[0] !== 'BiasAdd' || ops.length > 2) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: fused ops [${ops.join(', ')}] are not supported`);
    return ops[1] ?? null;
  };
  const checkNhwc = (node: TfNode): void => {
    const f = text(node.attr?.['data_format']?.s);
    if (f && f !== 'NHWC') throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: data_format ${f} (only NHWC is supported)`);
  };

  // Nodes in the file are topologically ordered by the TF converter; a violation is reported by `need`.
  for (const node of nodes) {
    const op = node.op;
    const ins = node.input ?? [];
    let out: Val | null = null;
    switch (op) {
      case 'Const':
        break;
      case 'Placeholder': {
        if (inputShape) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: several inputs`);
        const dims = ((node.attr?.['shape']?.shape as { dim?: { size: string }[] } | undefined)?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: input ${node.name} has rank ${dims.length}`);
        inputShape = dims;
        out = { name: g.reserve(ONNX_IO.input), layout: 'nhwc', shape: dims };
        break;
      }
      case 'Identity':
        out = need(ins[0], node);
        break;
      case 'Mul':
      case 'Sub':
      case 'Add':
      case 'AddV2': {
        const onnxOp = op === 'Mul' ? 'Mul' : op === 'Sub' ? 'Sub' : 'Add';
        const ca = constOf(ins[0]);
        const cb = constOf(ins[1]);
        if (ca && cb) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: both operands constant`);
        if (ca || cb) {
          const v = need(ca ? ins[1] : ins[0], node);
          const c = broadcastConst((ca ?? cb)!, v, `${node.name}_c`);
          out = { ...v, name: g.node(onnxOp, ca ? [c, v.name] : [v.name, c], node.name) };
        } else {
          const a = need(ins[0], node);
          const b = need(ins[1], node);
          const spatial = a.layout !== 'flat' || b.layout !== 'flat';
          out = { name: g.node(onnxOp, spatial ? [nchw(a), nchw(b)] : [a.name, b.name], node.name), layout: spatial ? 'nchw' : 'flat', shape: a.shape };
        }
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2dNative':
      case 'DepthwiseConv2dNative': {
        checkNhwc(node);
        const x = need(ins[0], node);
        const f = constOf(ins[1]);
        if (!f) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: the filter is not a constant`);
        const depthwise = op.includes('Depthwise');
        const fused = op.startsWith('_Fused') || op.startsWith('Fused');
        const act = fused ? fusedActivation(node) : null;
        const [kh, kw, ci, co] = f.shape;
        const [, sh, sw] = ints(node, 'strides');
        const dil = ints(node, 'dilations');
        const [dh, dw] = dil.length === 4 ? [dil[1], dil[2]] : [1, 1];
        const padding = text(node.attr?.['padding']?.s);
        const ph = pads(x.shape[1], kh, sh, dh, padding, node);
        const pw = pads(x.shape[2], kw, sw, dw, padding, node);
        const outCh = depthwise ? ci * co : co;
        const perOut = depthwise ? kh * kw : ci * kh * kw;
        const kernel = new Float32Array(outCh * perOut);
        for (let y = 0; y < kh; y++)
          for (let xx = 0; xx < kw; xx++)
            for (let i = 0; i < ci; i++)
              for (let o = 0; o < co; o++) {
                const src = f.data[((y * kw + xx) * ci + i) * co + o];
                if (depthwise) kernel[((i * co + o) * kh + y) * kw + xx] = src;
                else kernel[((o * ci + i) * kh + y) * kw + xx] = src;
              }
        const inputs = [nchw(x), g.floats(`${node.name}_W`, [outCh, depthwise ? 1 : ci, kh, kw], kernel)];
        if (fused) {
          const b = constOf(ins[2]);
          if (!b || b.data.length !== outCh) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: bias is not a constant of ${outCh} values`);
          inputs.push(g.floats(`${node.name}_B`, [outCh], b.data));
        }
        const attrs: Record<string, AttrValue> = { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads: [ph[0], pw[0], ph[1], pw[1]], group: depthwise ? ci : 1 };
        const conv = g.node('Conv', inputs, act ? `${node.name}_conv` : node.name, attrs);
        const shape = [x.shape[0], outLen(x.shape[1], kh, sh, dh, ph), outLen(x.shape[2], kw, sw, dw, pw), outCh];
        out = { name: act ? activation(act, conv, node.name, node) : conv, layout: 'nchw', shape };
        break;
      }
      case 'BiasAdd': {
        const x = need(ins[0], node);
        const b = constOf(ins[1]);
        if (!b) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: the bias is not a constant`);
        out = { ...x, name: g.node('Add', [x.name, broadcastConst(b, x, `${node.name}_b`)], node.name) };
        break;
      }
      case 'Relu':
      case 'Relu6':
      case 'Elu':
      case 'Sigmoid':
      case 'Tanh': {
        const x = need(ins[0], node);
        out = { ...x, name: activation(op, x.name, node.name, node) };
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        checkNhwc(node);
        const x = need(ins[0], node);
        const [, kh, kw] = ints(node, 'ksize');
        const [, sh, sw] = ints(node, 'strides');
        const padding = text(node.attr?.['padding']?.s);
        const ph = pads(x.shape[1], kh, sh, 1, padding, node);
        const pw = pads(x.shape[2], kw, sw, 1, padding, node);
        const name = g.node(op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [nchw(x)], node.name, { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph[0], pw[0], ph[1], pw[1]] });
        out = { name, layout: 'nchw', shape: [x.shape[0], outLen(x.shape[1], kh, sh, 1, ph), outLen(x.shape[2], kw, sw, 1, pw), x.shape[3]] };
        break;
      }
      case 'Squeeze': {
        const x = need(ins[0], node);
        const axes = ints(node, 'squeeze_dims');
        if (x.layout === 'flat' || axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: only squeezing H and W of a 4-D map is supported`);
        if (x.shape[1] !== 1 || x.shape[2] !== 1) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: squeezes a ${x.shape[1]}x${x.shape[2]} map`);
        // NHWC axes 1, 2 are NCHW axes 2, 3.
        out = { name: g.node('Squeeze', [nchw(x), g.int64s(`${node.name}_axes`, x.layout === 'nchw' ? [2, 3] : [1, 2])], node.name), layout: 'flat', shape: [x.shape[0], x.shape[3]] };
        break;
      }
      case 'MatMul':
      case '_FusedMatMul': {
        const x = need(ins[0], node);
        const w = constOf(ins[1]);
        if (x.layout !== 'flat' || !w || w.shape.length !== 2) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: only a flat input times a constant matrix is supported`);
        if (node.attr?.['transpose_a']?.b) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: transpose_a`);
        const transB = node.attr?.['transpose_b']?.b ? 1 : 0;
        const units = transB ? w.shape[0] : w.shape[1];
        const inputs = [x.name, g.floats(`${node.name}_W`, w.shape, w.data)];
        const act = op === '_FusedMatMul' ? fusedActivation(node) : null;
        if (op === '_FusedMatMul') {
          const b = constOf(ins[2]);
          if (!b) throw new OnnxError('UNSUPPORTED_CONFIG', `node ${node.name}: the bias is not a constant`);
          inputs.push(g.floats(`${node.name}_B`, [units], b.data));
        }
        const gemm = g.node('Gemm', inputs, act ? `${node.name}_gemm` : node.name, { transB });
        out = { name: act ? activation(act, gemm, node.name, node) : gemm, layout: 'flat', shape: [x.shape[0], units] };
        break;
      }
      case 'Softmax': {
        const x = need(ins[0], node);
        out = { ...x, name: g.node('Softmax', [x.name], node.name, { axis: x.layout === 'nchw' ? 1 : -1 }) };
        break;
      }
      default:
        throw new OnnxError('UNSUPPORTED_LAYER', `${graphName}: node ${node.name} (${op}) has no ONNX conversion`);
    }
    if (out) {
      values.set(node.name, out);
      report.layers[op] = (report.layers[op] ?? 0) + 1;
    }
  }
  if (!inputShape) throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: no Placeholder input`);

  const valueOf = (name: string): Val => {
    const v = values.get(name);
    if (!v) throw new OnnxError('VALUE_NOT_FOUND', `${graphName}: tap node "${name}" not found`);
    return v;
  };
  const batch = 'batch';
  const outputs: ValueSpec[] = [];
  const f = valueOf(taps.featureNode);
  if (f.layout !== 'flat') throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: feature node ${taps.featureNode} is not [batch, dim]`);
  g.node('Identity', [f.name], ONNX_IO.features, {}, g.reserve(ONNX_IO.features));
  outputs.push({ name: ONNX_IO.features, dims: [batch, f.shape[1]] });
  if (taps.head) {
    const h = valueOf(taps.head.node);
    if (h.layout !== 'flat') throw new OnnxError('UNSUPPORTED_CONFIG', `${graphName}: head node ${taps.head.node} is not [batch, classes]`);
    outputs.push(...addHeadOutputs(g, h.name, [batch, h.shape[1]], taps.head.outputIsProbability));
  }
  const model = g.build(graphName, { name: ONNX_IO.input, dims: [batch, ...(inputShape as number[]).slice(1)] }, outputs, { converterVersion: CONVERTER_VERSION, source: 'tfjs-graph' });
  return { model, report };
}
