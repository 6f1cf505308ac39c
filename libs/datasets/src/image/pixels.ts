import { type ChannelAffine } from './spec';

/** A window of an 8-bit interleaved raster to write out as floats. */
export interface PixelWindow {
  data: Uint8Array;
  width: number;
  channels: number;
  left: number;
  top: number;
}

export interface FloatTarget {
  out: Float32Array;
  offset: number;
  height: number;
  width: number;
  channels: 1 | 3;
  affine: ChannelAffine;
  grayscaleMean: boolean;
  binarize: boolean;
}

/**
 * Copy a height x width window of 8-bit pixels into `out` as normalised float32 NHWC, in one pass.
 * With `grayscaleMean`, the single output channel is the mean of R, G, B after normalisation.
 */
export function writeFloats(src: PixelWindow, t: FloatTarget): void {
  const { out, width: W, height: H, channels: C, affine } = t;
  const d = src.data;
  const sc = src.channels;
  // Three specialised loops with no per-pixel branching: this copy runs for every pixel of every image.
  for (let y = 0; y < H; y++) {
    let p = ((src.top + y) * src.width + src.left) * sc;
    let o = t.offset + y * W * C;
    const end = o + W * C;
    if (t.grayscaleMean) {
      const a = affine.a[0];
      const b = affine.b[0];
      // (a * sum) / 3, not (a / 3) * sum: keeps 255 * (-1/255) + 1 exactly 0 for DoodleNet's floor.
      if (sc < 3) for (; o < end; o++, p += sc) out[o] = a * d[p] + b;
      else for (; o < end; o++, p += sc) out[o] = (a * (d[p] + d[p + 1] + d[p + 2])) / 3 + b;
    } else if (C === 3 && sc === 1) {
      // A grey source (libvips keeps one band for grey input): replicate it.
      for (; o < end; o += 3, p += 1) {
        out[o] = affine.a[0] * d[p] + affine.b[0];
        out[o + 1] = affine.a[1] * d[p] + affine.b[1];
        out[o + 2] = affine.a[2] * d[p] + affine.b[2];
      }
    } else if (C === 3) {
      const a0 = affine.a[0];
      const a1 = affine.a[1];
      const a2 = affine.a[2];
      const b0 = affine.b[0];
      const b1 = affine.b[1];
      const b2 = affine.b[2];
      for (; o < end; o += 3, p += sc) {
        out[o] = a0 * d[p] + b0;
        out[o + 1] = a1 * d[p + 1] + b1;
        out[o + 2] = a2 * d[p + 2] + b2;
      }
    } else {
      const a = affine.a[0];
      const b = affine.b[0];
      for (; o < end; o++, p += sc) out[o] = a * d[p] + b;
    }
  }
  if (t.binarize) floorRange(out, t.offset, H * W * C);
}

function floorRange(out: Float32Array, offset: number, n: number): void {
  for (let i = offset; i < offset + n; i++) out[i] = Math.floor(out[i]);
}

/**
 * Resize with the sampling of `tf.image.resizeBilinear` (half-pixel centres off): output pixel
 * (y, x) samples the source at (y * sy, x * sx) with s = (in - 1) / (out - 1) under alignCorners,
 * else in / out; bilinear between the four neighbours, clamped at the edge. No antialiasing,
 * exactly as tfjs. Works on a crop box of the source; writes normalised floats. O(H * W * C).
 */
export function tfBilinearToFloats(
  src: { data: Uint8Array; width: number; height: number; channels: number },
  box: { left: number; top: number; width: number; height: number },
  alignCorners: boolean,
  t: FloatTarget,
): void {
  const { out, width: W, height: H, affine } = t;
  const sc = src.channels;
  const sy = alignCorners && H > 1 ? (box.height - 1) / (H - 1) : box.height / H;
  const sx = alignCorners && W > 1 ? (box.width - 1) / (W - 1) : box.width / W;
  const x0s = new Int32Array(W);
  const x1s = new Int32Array(W);
  const fxs = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const fx = x * sx;
    const x0 = Math.floor(fx);
    x0s[x] = (box.left + x0) * sc;
    x1s[x] = (box.left + Math.min(x0 + 1, box.width - 1)) * sc;
    fxs[x] = fx - x0;
  }
  if (t.channels === 3 && !t.grayscaleMean && !t.binarize) {
    tfBilinearRgb(src, box, sy, x0s, x1s, fxs, t);
    return;
  }
  const inC = t.grayscaleMean ? 3 : t.channels;
  const px = new Float32Array(inC);
  let o = t.offset;
  for (let y = 0; y < H; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const dy = fy - y0;
    const r0 = (box.top + y0) * src.width * sc;
    const r1 = (box.top + Math.min(y0 + 1, box.height - 1)) * src.width * sc;
    for (let x = 0; x < W; x++) {
      const dx = fxs[x];
      for (let k = 0; k < inC; k++) {
        // A grey source has one band: every output channel reads it.
        const ks = sc === 1 ? 0 : k;
        const top = src.data[r0 + x0s[x] + ks] + (src.data[r0 + x1s[x] + ks] - src.data[r0 + x0s[x] + ks]) * dx;
        const bot = src.data[r1 + x0s[x] + ks] + (src.data[r1 + x1s[x] + ks] - src.data[r1 + x0s[x] + ks]) * dx;
        px[k] = top + (bot - top) * dy;
      }
      if (t.grayscaleMean) {
        const v = (affine.a[0] * (px[0] + px[1] + px[2])) / 3 + affine.b[0];
        out[o++] = t.binarize ? Math.floor(v) : v;
      } else {
        for (let k = 0; k < inC; k++) {
          const v = affine.a[k] * px[k] + affine.b[k];
          out[o++] = t.binarize ? Math.floor(v) : v;
        }
      }
    }
  }
}

/**
 * {@link tfBilinearToFloats} for RGB output without binarisation (every zoo model that uses tf-bilinear but
 * DoodleNet), unrolled over the three channels: the same operations in the same order, so the same floats
 * (`Math.fround` is the float32 rounding the general loop gets from storing into its Float32Array), at about a
 * third of the cost (the general loop's per-value channel and binarisation branches dominated it).
 */
function tfBilinearRgb(
  src: { data: Uint8Array; width: number; channels: number },
  box: { top: number; height: number },
  sy: number,
  x0s: Int32Array,
  x1s: Int32Array,
  fxs: Float32Array,
  t: FloatTarget,
): void {
  const { out, width: W, height: H, affine } = t;
  const d = src.data;
  const sc = src.channels;
  const [a0, a1, a2] = affine.a;
  const [b0, b1, b2] = affine.b;
  // A grey source has one band: the three output channels read it (offsets 0, 0, 0 instead of 0, 1, 2).
  const k1 = sc === 1 ? 0 : 1;
  const k2 = sc === 1 ? 0 : 2;
  let o = t.offset;
  for (let y = 0; y < H; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const dy = fy - y0;
    const r0 = (box.top + y0) * src.width * sc;
    const r1 = (box.top + Math.min(y0 + 1, box.height - 1)) * src.width * sc;
    for (let x = 0; x < W; x++, o += 3) {
      const dx = fxs[x];
      const i00 = r0 + x0s[x];
      const i01 = r0 + x1s[x];
      const i10 = r1 + x0s[x];
      const i11 = r1 + x1s[x];
      let top = d[i00] + (d[i01] - d[i00]) * dx;
      let bot = d[i10] + (d[i11] - d[i10]) * dx;
      out[o] = a0 * Math.fround(top + (bot - top) * dy) + b0;
      top = d[i00 + k1] + (d[i01 + k1] - d[i00 + k1]) * dx;
      bot = d[i10 + k1] + (d[i11 + k1] - d[i10 + k1]) * dx;
      out[o + 1] = a1 * Math.fround(top + (bot - top) * dy) + b1;
      top = d[i00 + k2] + (d[i01 + k2] - d[i00 + k2]) * dx;
      bot = d[i10 + k2] + (d[i11 + k2] - d[i10 + k2]) * dx;
      out[o + 2] = a2 * Math.fround(top + (bot - top) * dy) + b2;
    }
  }
}
