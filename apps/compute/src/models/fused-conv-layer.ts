import { type Tensor, type Tensor4D, fused, pad as padTensor, serialization, tidy } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';

/** Activations the fused tfjs kernels apply in the same pass (wasm, cpu and tensorflow backends). */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'leakyrelu';

/** Explicit `[[top, bottom], [left, right]]` zero padding, or a tfjs padding mode. */
export type FusedPadding = 'same' | 'valid' | [[number, number], [number, number]];

/** Config of {@link FusedConvLayer} as tfjs-layers hands it over (camel-cased from the JSON). */
export interface FusedConvArgs {
  name: string;
  kind: 'conv' | 'depthwise';
  /** Output channels (conv) or channel multiplier (depthwise). */
  filters?: number;
  depthMultiplier?: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  padding: FusedPadding;
  activation: FusedActivation;
  leakyreluAlpha?: number;
  useBias: boolean;
}

function single(x: Tensor | Tensor[]): Tensor4D {
  return (Array.isArray(x) ? x[0] : x) as Tensor4D;
}

/** Output length of a convolution along one axis (TensorFlow's rule for each padding mode). */
function outLength(n: number | null, k: number, s: number, d: number, pad: 'same' | 'valid' | [number, number]): number | null {
  if (n === null) return null;
  const ek = (k - 1) * d + 1;
  if (pad === 'same') return Math.ceil(n / s);
  const [a, b] = pad === 'valid' ? [0, 0] : pad;
  return Math.floor((n + a + b - ek) / s) + 1;
}

/**
 * A Conv2D or DepthwiseConv2D with bias, activation and (optionally) explicit zero padding run as
 * ONE fused tfjs kernel (`fused.conv2d` / `fused.depthwiseConv2d`). It replaces, at load time, the
 * chain ZeroPadding2D -> Conv -> (folded BatchNorm) -> ReLU/ReLU6/LeakyReLU that Keras models spell
 * as separate layers, each of which tfjs would run as its own pass over the activations.
 * Weights keep the Keras names (`<name>/kernel` or `<name>/depthwise_kernel`, `<name>/bias`).
 * Inference only (no regularisers, constraints or training-time behaviour).
 */
export class FusedConvLayer extends layers.Layer {
  static readonly className = 'TransferscopeFusedConv';
  private readonly args: FusedConvArgs;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: FusedConvArgs) {
    super({ name: args.name, trainable: false });
    this.args = args;
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const inC = shape[3];
    if (inC === null) throw new Error(`${this.name}: the input channel count must be known`);
    const [kh, kw] = this.args.kernelSize;
    const zeros = initializers.zeros();
    this.kernel =
      this.args.kind === 'conv'
        ? this.addWeight('kernel', [kh, kw, inC, this.args.filters ?? 0], 'float32', zeros, undefined, false)
        : this.addWeight('depthwise_kernel', [kh, kw, inC, this.args.depthMultiplier ?? 1], 'float32', zeros, undefined, false);
    if (this.args.useBias) {
      const out = this.args.kind === 'conv' ? (this.args.filters ?? 0) : inC * (this.args.depthMultiplier ?? 1);
      this.bias = this.addWeight('bias', [out], 'float32', zeros, undefined, false);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const [kh, kw] = this.args.kernelSize;
    const [sh, sw] = this.args.strides;
    const [dh, dw] = this.args.dilationRate;
    const p = this.args.padding;
    const ph = p === 'same' || p === 'valid' ? p : p[0];
    const pw = p === 'same' || p === 'valid' ? p : p[1];
    const c = this.args.kind === 'conv' ? (this.args.filters ?? 0) : s[3] === null ? null : s[3] * (this.args.depthMultiplier ?? 1);
    return [s[0], outLength(s[1], kh, sh, dh, ph), outLength(s[2], kw, sw, dw, pw), c];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      let x = single(inputs);
      const kernel = this.kernel?.read() as Tensor4D;
      const bias = this.bias?.read();
      const { strides, dilationRate: dilations, activation, leakyreluAlpha } = this.args;
      let pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
      const p = this.args.padding;
      if (p === 'same' || p === 'valid') pad = p;
      else if (this.args.kind === 'conv') pad = [[0, 0], p[0], p[1], [0, 0]];
      else if (this.sameEquals(x.shape[1], x.shape[2], p)) pad = 'same';
      else {
        // Depthwise kernels take no explicit padding: pad the tensor (rare: Keras' pads match 'same').
        x = padTensor(x, [[0, 0], p[0], p[1], [0, 0]]);
        pad = 'valid';
      }
      const common = { x, filter: kernel, strides, pad, dilations, bias, activation, leakyreluAlpha };
      if (this.args.kind === 'conv') return fused.conv2d(common);
      if (pad !== 'same' && pad !== 'valid') throw new Error('unreachable: depthwise padding was resolved above');
      return fused.depthwiseConv2d({ ...common, pad });
    });
  }

  /** Whether TensorFlow's 'same' padding of this input equals the explicit padding `p`. */
  private sameEquals(h: number, w: number, p: [[number, number], [number, number]]): boolean {
    const axis = (n: number, k: number, s: number, d: number, want: [number, number]): boolean => {
      const ek = (k - 1) * d + 1;
      const total = Math.max((Math.ceil(n / s) - 1) * s + ek - n, 0);
      return Math.floor(total / 2) === want[0] && total - Math.floor(total / 2) === want[1];
    };
    const [kh, kw] = this.args.kernelSize;
    return axis(h, kh, this.args.strides[0], this.args.dilationRate[0], p[0]) && axis(w, kw, this.args.strides[1], this.args.dilationRate[1], p[1]);
  }

  override getConfig(): serialization.ConfigDict {
    const a = this.args;
    return {
      ...super.getConfig(),
      kind: a.kind,
      filters: a.filters ?? null,
      depthMultiplier: a.depthMultiplier ?? null,
      kernelSize: a.kernelSize,
      strides: a.strides,
      dilationRate: a.dilationRate,
      padding: a.padding,
      activation: a.activation,
      leakyreluAlpha: a.leakyreluAlpha ?? null,
      useBias: a.useBias,
    };
  }
}

serialization.registerClass(FusedConvLayer);
