import {
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-cpu's backend object these kernels use. */
interface CpuBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

interface KernelArgs<A> {
  inputs: Record<string, TensorInfo>;
  backend: CpuBackend;
  attrs: A;
}

type Shape4 = [number, number, number, number];

const valuesOf = (backend: CpuBackend, t: TensorInfo) => backend.data.get(t.dataId).values as Float32Array;

/**
 * dW[kh, kw, ci, co] = sum over (n, oy, ox) of x[n, oy*sh + kh*dh - top, ox*sw + kw*dw - left, ci] dy[n, oy, ox, co]
 * (positions in the padding contribute 0). For a depthwise filter [kh, kw, ci, m], output channel co = ci*m + j and
 * only x's channel ci feeds it. One pass over dy, accumulated in float64; O(N OH OW KH KW CI CO) multiply-adds
 * (CI M for depthwise), innermost loop contiguous in memory.
 */
function filterGradient(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo, depthwise: boolean): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const perTap = depthwise ? outChannels : inChannels * outChannels;
  const multiplier = outChannels / inChannels;
  const dw = new Float64Array(filterHeight * filterWidth * perTap);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOffset = ((n * outHeight + oy) * outWidth + ox) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight + kh * dilationHeight - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * strideWidth + kw * dilationWidth - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xOffset = ((n * inHeight + iy) * inWidth + ix) * inChannels;
            const tap = (kh * filterWidth + kw) * perTap;
            if (depthwise) {
              for (let co = 0; co < outChannels; co++) dw[tap + co]! += x[xOffset + Math.floor(co / multiplier)]! * dy[dyOffset + co]!;
              continue;
            }
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[xOffset + ci]!;
              if (xv === 0) continue; // ReLU outputs are often 0
              const row = tap + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[row + co]! += xv * dy[dyOffset + co]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dw);
}

/**
 * dx[n, iy, ix, ci] = sum over (kh, kw, co) with iy = oy*sh + kh*dh - top, ix = ox*sw + kw*dw - left of
 * w[kh, kw, ci, co] dy[n, oy, ox, co] (depthwise: co = ci*m + j only). Scattered from each dy position, accumulated
 * in float64; the same multiply-add count as {@link filterGradient}.
 */
function inputGradient(w: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo, depthwise: boolean): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const perTap = depthwise ? outChannels : inChannels * outChannels;
  const multiplier = outChannels / inChannels;
  const dx = new Float64Array(batchSize * inHeight * inWidth * inChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOffset = ((n * outHeight + oy) * outWidth + ox) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight + kh * dilationHeight - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * strideWidth + kw * dilationWidth - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xOffset = ((n * inHeight + iy) * inWidth + ix) * inChannels;
            const tap = (kh * filterWidth + kw) * perTap;
            if (depthwise) {
              for (let co = 0; co < outChannels; co++) dx[xOffset + Math.floor(co / multiplier)]! += w[tap + co]! * dy[dyOffset + co]!;
              continue;
            }
            for (let ci = 0; ci < inChannels; ci++) {
              const row = tap + ci * outChannels;
              let sum = 0;
              for (let co = 0; co < outChannels; co++) sum += w[row + co]! * dy[dyOffset + co]!;
              dx[xOffset + ci]! += sum;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dx);
}

const KERNELS: Record<string, (original: KernelFunc) => KernelFunc> = {
  Conv2DBackpropFilter: (original) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs<Conv2DBackpropFilterAttrs>;
    if (attrs.dataFormat === 'NCHW') return original(args);
    const x = inputs['x']!;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    return backend.makeTensorInfo(info.filterShape, 'float32', filterGradient(valuesOf(backend, x), valuesOf(backend, inputs['dy']!), info, false));
  },
  Conv2DBackpropInput: (original) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs<Conv2DBackpropInputAttrs>;
    if (attrs.dataFormat === 'NCHW') return original(args);
    const filter = inputs['filter']!;
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    return backend.makeTensorInfo(info.inShape, 'float32', inputGradient(valuesOf(backend, filter), valuesOf(backend, inputs['dy']!), info, false));
  },
  DepthwiseConv2dNativeBackpropFilter: () => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs<DepthwiseConv2dNativeBackpropFilterAttrs>;
    const x = inputs['x']!;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
    return backend.makeTensorInfo(info.filterShape, 'float32', filterGradient(valuesOf(backend, x), valuesOf(backend, inputs['dy']!), info, true));
  },
  DepthwiseConv2dNativeBackpropInput: () => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs<DepthwiseConv2dNativeBackpropInputAttrs>;
    const filter = inputs['filter']!;
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
    return backend.makeTensorInfo(info.inShape, 'float32', inputGradient(valuesOf(backend, filter), valuesOf(backend, inputs['dy']!), info, true));
  },
};

const originals = new Map<string, KernelConfig>();

/**
 * Replaces tfjs-backend-cpu's convolution gradient kernels (Conv2DBackpropFilter/Input and the depthwise pair) with
 * the direct loops above, or (`false`) puts the originals back. The originals read every element through a generic
 * `TensorBuffer.get`, about 2.5 M multiply-adds/s here, which made one MobileNetV2 step take minutes; these compute
 * the same sums (in float64, so more exactly) from the typed arrays. NCHW convolutions keep the original kernels.
 * Idempotent; affects the `cpu` backend of this process only. `finetune` turns them on when it runs on `cpu`.
 */
export function useFastCpuGradients(on = true): void {
  for (const [name, make] of Object.entries(KERNELS)) {
    if (on === originals.has(name)) continue;
    const current = getKernel(name, 'cpu');
    if (!current) continue;
    unregisterKernel(name, 'cpu');
    if (on) {
      originals.set(name, current);
      registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: make(current.kernelFunc) });
    } else {
      registerKernel(originals.get(name)!);
      originals.delete(name);
    }
  }
}
