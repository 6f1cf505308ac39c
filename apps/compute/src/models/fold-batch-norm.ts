import { dispose, io, type NamedTensorMap, type Tensor, tensor } from '@tensorflow/tfjs-core';
import { type FusedActivation, FusedConvLayer, type FusedPadding } from './fused-conv-layer';

/**
 * Inference-time rewrite of a Keras functional topology: every BatchNormalization that directly
 * follows a linear Conv2D / DepthwiseConv2D (its only consumer) is folded into that convolution;
 * then every convolution becomes a {@link FusedConvLayer} that also absorbs the ReLU / ReLU6 /
 * LeakyReLU layer after it and the ZeroPadding2D before it, so each block runs as one tfjs kernel.
 *
 * Definition: with s = gamma / sqrt(moving_variance + epsilon) per output channel,
 * BN(conv(x, W) + b) = conv(x, W * s) + (b - moving_mean) * s + beta, exactly in real arithmetic;
 * in float32 the result differs by rounding only (relative ~1e-6). gamma = 1 when `scale` is false,
 * beta = 0 when `center` is false, b = 0 when the convolution has no bias.
 *
 * Why: tfjs runs each Keras layer as separate kernels; on the wasm backend the BatchNorm kernel alone
 * was over half of MobileNetV2's forward time (measured), and ReLU6 cost two more passes (Relu, then
 * ClipByValue). TensorFlow Lite and ONNX Runtime apply the same folding and fusion.
 *
 * Layers named in `keep` (the feature and head taps) are never removed, and a convolution whose
 * output is itself a tap is never changed, so every tap gives the same tensor as the original model
 * up to float32 rounding. Topologies that are not functional
 * (Sequential) or use shared layers are returned unchanged.
 */

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: unknown[][];
}

interface FunctionalJson {
  class_name: string;
  config: { layers: LayerJson[]; output_layers?: unknown[][]; input_layers?: unknown[][] };
}

/** What {@link foldBatchNorm} did, for logs and provenance. */
export interface FoldReport {
  foldedBatchNorms: number;
  /** Convolutions now run as one fused kernel ({@link FusedConvLayer}). */
  fusedConvolutions: number;
  /** Activation layers absorbed into those kernels. */
  fusedActivations: number;
  /** ZeroPadding2D layers absorbed into those kernels. */
  foldedPaddings: number;
}

const CONVS = new Set(['Conv2D', 'DepthwiseConv2D']);

function layerName(l: LayerJson): string {
  return l.config.name;
}

/** Source layer names of a layer with exactly one inbound node, or null for shared / multi-node layers. */
function sources(l: LayerJson): string[] | null {
  const nodes = l.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length !== 1) return null;
  return (nodes[0] as unknown[][]).map((entry) => String(entry[0]));
}

function functionalRoot(topology: unknown): FunctionalJson | null {
  const t = topology as { model_config?: unknown; class_name?: string } | null;
  const root = (t?.model_config ?? t) as FunctionalJson | null;
  if (!root || (root.class_name !== 'Model' && root.class_name !== 'Functional') || !Array.isArray(root.config?.layers)) return null;
  return root;
}

/** Replaces every reference to layer `from` (inbound nodes, model outputs) by layer `to`. */
function rewire(root: FunctionalJson, from: string, to: string): void {
  const swap = (entry: unknown[]): void => {
    if (entry[0] === from) entry[0] = to;
  };
  for (const l of root.config.layers) for (const node of l.inbound_nodes ?? []) for (const e of node as unknown[][]) swap(e);
  for (const e of root.config.output_layers ?? []) swap(e);
}

function consumersOf(root: FunctionalJson): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of root.config.layers) {
    for (const s of sources(l) ?? []) m.set(s, [...(m.get(s) ?? []), layerName(l)]);
  }
  for (const e of root.config.output_layers ?? []) {
    const s = String(e[0]);
    m.set(s, [...(m.get(s) ?? []), '<output>']);
  }
  return m;
}

/** The fused-kernel activation an activation layer computes, or null for anything else. */
function activationOf(l: LayerJson): { activation: FusedActivation; alpha?: number } | null {
  const c = l.config;
  if (l.class_name === 'Activation') return c['activation'] === 'relu' || c['activation'] === 'relu6' ? { activation: c['activation'] } : null;
  if (l.class_name === 'LeakyReLU') return { activation: 'leakyrelu', alpha: Number(c['alpha'] ?? 0.3) };
  if (l.class_name !== 'ReLU') return null;
  if ((c['negative_slope'] ?? 0) !== 0 || (c['threshold'] ?? 0) !== 0) return null;
  const max = c['max_value'];
  return max === null || max === undefined ? { activation: 'relu' } : max === 6 ? { activation: 'relu6' } : null;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** Keras ZeroPadding2D `padding` (int, [h, w] or [[top, bottom], [left, right]]) as explicit pads. */
function zeroPadding(v: unknown): [[number, number], [number, number]] | null {
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (!Array.isArray(v) || v.length !== 2) return null;
  return [pair(v[0]), pair(v[1])];
}

/**
 * Turns every channels-last Conv2D / DepthwiseConv2D with a linear, relu or relu6 activation into a
 * {@link FusedConvLayer}, absorbing the activation layer that alone consumes it and the ZeroPadding2D
 * that alone feeds it (never a layer named in `keep`).
 */
function fuseConvolutions(root: FunctionalJson, byName: Map<string, LayerJson>, keep: ReadonlySet<string>, report: FoldReport): void {
  const removed = new Set<string>();
  for (const conv of root.config.layers) {
    if (!CONVS.has(conv.class_name) || removed.has(layerName(conv))) continue;
    const c = conv.config;
    const name = layerName(conv);
    if ((c['data_format'] ?? 'channels_last') !== 'channels_last' || !['linear', 'relu', 'relu6'].includes(String(c['activation']))) continue;
    if (c['padding'] !== 'same' && c['padding'] !== 'valid') continue;
    // Grouped convolutions (Keras `groups` > 1) have no fused tfjs kernel: leave them to tfjs-layers.
    if (Number(c['groups'] ?? 1) !== 1) continue;
    let activation: { activation: FusedActivation; alpha?: number } = { activation: c['activation'] as FusedActivation };
    let padding: FusedPadding = c['padding'];
    const consumers = consumersOf(root);
    const next = consumers.get(name) ?? [];
    const act = next.length === 1 ? byName.get(next[0]) : undefined;
    const fusable = act && !keep.has(layerName(act)) ? activationOf(act) : null;
    if (act && fusable && activation.activation === 'linear' && !keep.has(name)) {
      activation = fusable;
      rewire(root, layerName(act), name);
      removed.add(layerName(act));
      report.fusedActivations++;
    }
    const src = sources(conv) ?? [];
    const padLayer = src.length === 1 ? byName.get(src[0]) : undefined;
    const explicit = padLayer?.class_name === 'ZeroPadding2D' ? zeroPadding(padLayer.config['padding']) : null;
    if (padLayer && explicit && padding === 'valid' && !keep.has(layerName(padLayer)) && (consumers.get(layerName(padLayer)) ?? []).length === 1 && (padLayer.config['data_format'] ?? 'channels_last') === 'channels_last') {
      padding = explicit;
      conv.inbound_nodes = structuredClone(padLayer.inbound_nodes);
      removed.add(layerName(padLayer));
      report.foldedPaddings++;
    }
    const depthwise = conv.class_name === 'DepthwiseConv2D';
    conv.class_name = FusedConvLayer.className;
    conv.config = {
      name,
      kind: depthwise ? 'depthwise' : 'conv',
      filters: depthwise ? null : Number(c['filters']),
      depth_multiplier: depthwise ? Number(c['depth_multiplier'] ?? 1) : null,
      kernel_size: pair(c['kernel_size']),
      strides: pair(c['strides'] ?? 1),
      dilation_rate: pair(c['dilation_rate'] ?? 1),
      padding,
      activation: activation.activation,
      leakyrelu_alpha: activation.alpha ?? null,
      use_bias: c['use_bias'] === true,
    };
    report.fusedConvolutions++;
    root.config.layers = root.config.layers.filter((l) => !removed.has(layerName(l)));
  }
}

function values(weights: NamedTensorMap, name: string): Float32Array | null {
  const t = weights[name];
  return t ? (t.dataSync() as Float32Array) : null;
}

/**
 * Folds BatchNormalization (and the following ReLU/ReLU6) into convolutions; see the module comment.
 * Returns new artifacts with float32 weights (quantised weights are dequantised on the way).
 */
export async function foldBatchNorm(artifacts: io.ModelArtifacts, keep: ReadonlySet<string>): Promise<{ artifacts: io.ModelArtifacts; report: FoldReport }> {
  const report: FoldReport = { foldedBatchNorms: 0, fusedConvolutions: 0, fusedActivations: 0, foldedPaddings: 0 };
  const topology = structuredClone(artifacts.modelTopology);
  const root = functionalRoot(topology);
  if (!root || !artifacts.weightSpecs || !artifacts.weightData || root.config.layers.some((l) => sources(l) === null)) {
    return { artifacts, report };
  }
  const weights = io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const decoded = Object.values(weights);
  const created: Tensor[] = [];
  try {
    const byName = new Map(root.config.layers.map((l) => [layerName(l), l]));
    const removed = new Set<string>();
    for (const bn of root.config.layers) {
      if (bn.class_name !== 'BatchNormalization') continue;
      const bnName = layerName(bn);
      const src = sources(bn);
      const axis = bn.config['axis'];
      if (!src || src.length !== 1 || keep.has(bnName) || (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3)))) continue;
      const conv = byName.get(src[0]);
      if (!conv || !CONVS.has(conv.class_name) || keep.has(src[0]) || conv.config['activation'] !== 'linear') continue;
      if ((conv.config['data_format'] ?? 'channels_last') !== 'channels_last' || Number(conv.config['groups'] ?? 1) !== 1) continue;
      if ((consumersOf(root).get(src[0]) ?? []).length !== 1) continue;
      const convName = src[0];
      const kernelName = conv.class_name === 'Conv2D' ? `${convName}/kernel` : `${convName}/depthwise_kernel`;
      const kernelT = weights[kernelName];
      const mean = values(weights, `${bnName}/moving_mean`);
      const variance = values(weights, `${bnName}/moving_variance`);
      if (!kernelT || !mean || !variance) continue;
      const kernel = kernelT.dataSync() as Float32Array;
      const shape = kernelT.shape as number[];
      const outChannels = conv.class_name === 'Conv2D' ? shape[3] : shape[2] * shape[3];
      if (mean.length !== outChannels) continue;
      const gamma = bn.config['scale'] === false ? null : values(weights, `${bnName}/gamma`);
      const beta = bn.config['center'] === false ? null : values(weights, `${bnName}/beta`);
      const bias = conv.config['use_bias'] === true ? values(weights, `${convName}/bias`) : null;
      const eps = Number(bn.config['epsilon'] ?? 1e-3);
      const scale = new Float64Array(outChannels);
      const newBias = new Float32Array(outChannels);
      for (let c = 0; c < outChannels; c++) {
        scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
        newBias[c] = ((bias ? bias[c] : 0) - mean[c]) * scale[c] + (beta ? beta[c] : 0);
      }
      // Kernels are [kh, kw, in, out] (Conv2D) or [kh, kw, in, multiplier] (depthwise, output channel
      // in * multiplier + m): in both layouts the output channel is the flat index modulo outChannels.
      const newKernel = new Float32Array(kernel.length);
      for (let i = 0; i < kernel.length; i++) newKernel[i] = kernel[i] * scale[i % outChannels];
      const k = tensor(newKernel, kernelT.shape, 'float32');
      const b = tensor(newBias, [outChannels], 'float32');
      created.push(k, b);
      weights[kernelName] = k;
      weights[`${convName}/bias`] = b;
      for (const w of ['gamma', 'beta', 'moving_mean', 'moving_variance']) delete weights[`${bnName}/${w}`];
      conv.config['use_bias'] = true;
      conv.config['bias_initializer'] ??= { class_name: 'Zeros', config: {} };
      rewire(root, bnName, convName);
      removed.add(bnName);
      root.config.layers = root.config.layers.filter((l) => !removed.has(layerName(l)));
      report.foldedBatchNorms++;
    }
    fuseConvolutions(root, byName, keep, report);
    if (report.foldedBatchNorms === 0 && report.fusedConvolutions === 0) return { artifacts, report };
    const encoded = await io.encodeWeights(weights);
    return { artifacts: { ...artifacts, modelTopology: topology, weightSpecs: encoded.specs, weightData: encoded.data }, report };
  } finally {
    dispose(decoded);
    dispose(created);
  }
}
