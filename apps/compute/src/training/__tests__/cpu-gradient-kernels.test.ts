import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, type Tensor4D, conv2d, depthwiseConv2d, dispose, grads, mul, randomNormal, sum } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers tfjs' gradient functions
import { selectBackend } from '../../backends/select-backend';
import { useFastCpuGradients } from '../cpu-gradient-kernels';

type Shape4 = [number, number, number, number];
interface Case {
  x: Shape4;
  filter: Shape4;
  strides: number;
  pad: 'same' | 'valid' | number;
  depthwise?: boolean;
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 2], filter: [2, 2, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 5, 5, 4], filter: [1, 1, 4, 6], strides: 1, pad: 'valid' },
  { x: [1, 6, 7, 2], filter: [3, 3, 2, 2], strides: 1, pad: 1 },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same', depthwise: true },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'same', depthwise: true },
  { x: [2, 7, 6, 4], filter: [3, 3, 4, 1], strides: 1, pad: 'valid', depthwise: true },
];

/** Gradients of sum(conv(x, w) * r) with respect to x and w (r fixed), as plain arrays. */
function gradients(c: Case, x: Tensor, w: Tensor, r: Tensor): Float32Array[] {
  const f = (a: Tensor, b: Tensor) =>
    sum(
      mul(
        c.depthwise
          ? depthwiseConv2d(a as Tensor4D, b as Tensor4D, c.strides, c.pad as 'same' | 'valid', 'NHWC')
          : conv2d(a as Tensor4D, b as Tensor4D, c.strides, c.pad, 'NHWC'),
        r,
      ),
    );
  const g = grads(f)([x, w]);
  const out = g.map((t) => t.dataSync() as Float32Array);
  dispose(g);
  return out;
}

const maxRelative = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
};

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
});
afterAll(() => useFastCpuGradients(false));

describe('useFastCpuGradients', () => {
  it.each(CASES)('gives tfjs-backend-cpu\'s gradients: %o', (c) => {
    const x = randomNormal(c.x, 0, 1, 'float32', 1);
    const w = randomNormal(c.filter, 0, 1, 'float32', 2);
    const outShape = (c.depthwise ? depthwiseConv2d(x as Tensor4D, w as Tensor4D, c.strides, c.pad as 'same', 'NHWC') : conv2d(x as Tensor4D, w as Tensor4D, c.strides, c.pad, 'NHWC')).shape;
    const r = randomNormal(outShape, 0, 1, 'float32', 3);
    useFastCpuGradients(false);
    const reference = gradients(c, x, w, r);
    useFastCpuGradients(true);
    const fast = gradients(c, x, w, r);
    // Both sum the same products; the order and the accumulator width differ: float32 rounding only.
    expect(maxRelative(fast[0]!, reference[0]!)).toBeLessThan(1e-6);
    expect(maxRelative(fast[1]!, reference[1]!)).toBeLessThan(1e-6);
    dispose([x, w, r]);
  });

  it('is much faster than the original filter gradient (MobileNet-sized layer)', () => {
    const c: Case = { x: [1, 28, 28, 16], filter: [3, 3, 16, 16], strides: 1, pad: 'same' };
    const x = randomNormal(c.x, 0, 1, 'float32', 1);
    const w = randomNormal(c.filter, 0, 1, 'float32', 2);
    const r = randomNormal([1, 28, 28, 16], 0, 1, 'float32', 3);
    const time = () => {
      const started = performance.now();
      gradients(c, x, w, r);
      return performance.now() - started;
    };
    useFastCpuGradients(false);
    const slow = time();
    useFastCpuGradients(true);
    const fast = Math.min(time(), time());
    console.info(`conv 3x3 16->16 on 1x28x28 gradients on cpu: original ${slow.toFixed(0)} ms, fast ${fast.toFixed(0)} ms`);
    expect(fast * 5).toBeLessThan(slow);
    dispose([x, w, r]);
  });
});
