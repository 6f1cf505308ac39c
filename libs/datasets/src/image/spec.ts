import { DatasetError } from '../errors';

/**
 * How an image becomes a model input: size, colour, resize and value range. Output is float32,
 * NHWC, channel order R,G,B (or one grey channel).
 */
export interface PreprocessSpec {
  height: number;
  width: number;
  /** 3 = RGB; 1 = grey (see `grayscale`). */
  channels: 1 | 3;
  /**
   * `stretch`: resize the whole image to height x width (aspect ratio not kept).
   * `center-crop`: scale the shorter side to `resizeShorter`, then crop the centre height x width.
   */
  resizeMode: 'stretch' | 'center-crop';
  /** Shorter side before the centre crop (default max(height, width)); the study uses 256 then crops 224. */
  resizeShorter?: number;
  /**
   * `antialiased` (default): libvips' linear reduce, antialiased like PIL/torchvision `Resize`.
   * `tf-bilinear`: the exact sampling of `tf.image.resizeBilinear` (no antialiasing; honours
   * `alignCorners`), as the JS libraries behind several zoo models did.
   */
  interpolation?: 'antialiased' | 'tf-bilinear';
  /** Only for `tf-bilinear`. */
  alignCorners?: boolean;
  /** value = pixel * scale + offset, pixel in [0, 255]. Give scale/offset or mean/std, not both. */
  scale?: number;
  offset?: number;
  /** value = (pixel / 255 - mean[c]) / std[c] (e.g. ImageNet mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]). */
  mean?: readonly number[];
  std?: readonly number[];
  /** For one channel: `luminance` (default, libvips' sRGB -> B_W) or `mean` of R, G, B (DoodleNet). */
  grayscale?: 'luminance' | 'mean';
  /** `floor`: after normalisation, value = floor(value) (DoodleNet's binarisation). */
  binarize?: 'floor';
}

/** The study's evaluation preprocessing: shorter side 256, centre crop 224, ImageNet mean/std. */
export const STUDY_EVAL_SPEC: PreprocessSpec = {
  height: 224,
  width: 224,
  channels: 3,
  resizeMode: 'center-crop',
  resizeShorter: 256,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Per-channel affine map from an 8-bit pixel: value = a[c] * pixel + b[c]. */
export interface ChannelAffine {
  // Doubles, so that 255 * (-1/255) + 1 is 0 and not -6e-8 (float32), which `floor` would binarise to -1.
  a: Float64Array;
  b: Float64Array;
}

/**
 * Check a spec and return its per-channel affine normalisation.
 *
 * @throws DatasetError `BAD_SPEC` naming the field.
 */
export function checkSpec(spec: PreprocessSpec): ChannelAffine {
  const bad = (field: string, why: string): never => {
    throw new DatasetError('BAD_SPEC', `preprocess spec: ${why}`, { field });
  };
  for (const f of ['height', 'width'] as const) {
    if (!Number.isInteger(spec[f]) || spec[f] < 1 || spec[f] > 8192) bad(f, `${f} must be an integer in [1, 8192], got ${spec[f]}`);
  }
  if (spec.channels !== 1 && spec.channels !== 3) bad('channels', `channels must be 1 or 3, got ${String(spec.channels)}`);
  if (spec.resizeMode !== 'stretch' && spec.resizeMode !== 'center-crop') bad('resizeMode', `resizeMode must be stretch or center-crop`);
  if (spec.resizeShorter !== undefined) {
    if (spec.resizeMode !== 'center-crop') bad('resizeShorter', 'resizeShorter applies only to center-crop');
    if (!Number.isInteger(spec.resizeShorter) || spec.resizeShorter < Math.max(spec.height, spec.width)) {
      bad('resizeShorter', `resizeShorter must be an integer >= max(height, width), got ${spec.resizeShorter}`);
    }
  }
  const hasScale = spec.scale !== undefined || spec.offset !== undefined;
  const hasMean = spec.mean !== undefined || spec.std !== undefined;
  if (hasScale && hasMean) bad('mean', 'give scale/offset or mean/std, not both');
  const c = spec.channels;
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  if (hasMean) {
    if (spec.mean?.length !== c || spec.std?.length !== c) bad('mean', `mean and std need ${c} values each`);
    for (let k = 0; k < c; k++) {
      const std = (spec.std as readonly number[])[k];
      if (!(std > 0)) bad('std', `std must be > 0, got ${std}`);
      a[k] = 1 / (255 * std);
      b[k] = -(spec.mean as readonly number[])[k] / std;
    }
  } else {
    const scale = spec.scale ?? 1 / 255;
    const offset = spec.offset ?? 0;
    if (!Number.isFinite(scale) || !Number.isFinite(offset)) bad('scale', 'scale and offset must be finite');
    a.fill(scale);
    b.fill(offset);
  }
  return { a, b };
}

/** The `input` block of a zoo.json model entry (the fields this library reads). */
export interface ZooInputSpec {
  height: number;
  width: number;
  channels: number;
  scale?: number | null;
  offset?: number | null;
  mean?: readonly number[] | null;
  std?: readonly number[] | null;
  resizeMode: string;
  alignCorners?: boolean | null;
  grayscale?: string | null;
  binarize?: string | null;
}

/**
 * The spec a zoo model declares. Models whose original library used `tf.image.resizeBilinear`
 * (`stretch`) get `tf-bilinear` with their `alignCorners`; `center-crop` models (Teachable Machine,
 * canvas scaling) get the antialiased resize.
 */
export function specFromZooInput(input: ZooInputSpec): PreprocessSpec {
  const channels = input.channels === 1 ? 1 : 3;
  const spec: PreprocessSpec = {
    height: input.height,
    width: input.width,
    channels,
    resizeMode: input.resizeMode === 'center-crop' ? 'center-crop' : 'stretch',
  };
  if (spec.resizeMode === 'stretch') {
    spec.interpolation = 'tf-bilinear';
    spec.alignCorners = input.alignCorners === true;
  }
  if (input.mean && input.std) {
    spec.mean = input.mean;
    spec.std = input.std;
  } else {
    spec.scale = input.scale ?? 1 / 255;
    spec.offset = input.offset ?? 0;
  }
  if (channels === 1) spec.grayscale = input.grayscale?.startsWith('mean') ? 'mean' : 'luminance';
  if (input.binarize === 'floor') spec.binarize = 'floor';
  checkSpec(spec);
  return spec;
}
