import sharp, { type Sharp } from 'sharp';
import { type DatasetErrorLocation } from '../errors';
import { type AugmentOptions, type AugmentParams, sampleAugmentation } from './augment';
import { corruptImage, openImage } from './decode';
import { type FloatTarget, tfBilinearToFloats, writeFloats } from './pixels';
import { type Rng } from './rng';
import { type ImageFormat } from './sniff';
import { checkSpec, type PreprocessSpec } from './spec';

/**
 * Revision of the pixels `preprocessImage` produces for a given spec: bump it whenever a change alters them, so caches
 * keyed on preprocessing (compute's feature cache) stop reusing features made the old way.
 * 2: no JPEG shrink-on-load in the antialiased resize (full decode, then resize, as torchvision).
 */
export const PREPROCESSING_REVISION = 2;

/** What preprocessing learnt about the source image. */
export interface PreprocessInfo {
  format: ImageFormat;
  /** Size after EXIF orientation (for the antialiased path without augmentation: the resized size). */
  width: number;
  height: number;
  /** The augmentation applied, when there was one. */
  augment?: AugmentParams;
}

export interface PreprocessOptions {
  /** Where to write (NHWC float32); default a new array of height * width * channels. */
  out?: Float32Array;
  /** Offset in `out` (in floats). */
  offset?: number;
  /** Draw a training augmentation from this generator (see {@link sampleAugmentation}). */
  augment?: { rng: Rng; options?: AugmentOptions };
  /** File and manifest row, for error messages. */
  where?: DatasetErrorLocation;
}

/**
 * Decode image bytes (format sniffed, EXIF-oriented, grey/palette/alpha/16-bit reduced to 8-bit
 * RGB or one channel) and preprocess them per `spec` into float32 NHWC.
 *
 * @returns the floats and what was learnt about the image.
 * @throws DatasetError `UNSUPPORTED_FORMAT`, `CORRUPT_IMAGE` (naming `where.file` and `where.row`), `BAD_SPEC`.
 */
export async function preprocessImage(
  bytes: Buffer,
  spec: PreprocessSpec,
  options: PreprocessOptions = {},
): Promise<{ data: Float32Array; info: PreprocessInfo }> {
  const affine = checkSpec(spec);
  const where = options.where ?? {};
  const { height: H, width: W, channels: C } = spec;
  const out = options.out ?? new Float32Array(H * W * C);
  const offset = options.offset ?? 0;
  if (offset < 0 || offset + H * W * C > out.length) throw new RangeError(`output has ${out.length} floats, need ${offset + H * W * C}`);
  const target: FloatTarget = {
    out,
    offset,
    height: H,
    width: W,
    channels: C,
    affine,
    grayscaleMean: C === 1 && spec.grayscale === 'mean',
    binarize: spec.binarize === 'floor',
  };
  const wantRgb = C === 3 || target.grayscaleMean;
  const opened = openImage(bytes, where);
  // sharp already writes 8-bit sRGB (16-bit, CMYK, palette converted); only grey input stays one
  // band, which the float copy replicates. An explicit sRGB conversion would cost ~10% per image.
  const colour = (img: Sharp): Sharp => (wantRgb ? img : img.toColourspace('b-w')).removeAlpha();
  try {
    if (options.augment) {
      const info = await augmented(opened.image, spec, colour, options.augment, target);
      return { data: out, info: { format: opened.format, ...info } };
    }
    if (spec.interpolation === 'tf-bilinear') {
      const { data, info } = await colour(opened.image).raw().toBuffer({ resolveWithObject: true });
      tfBilinearToFloats({ data, width: info.width, height: info.height, channels: info.channels }, cropBox(info.width, info.height, spec), spec.alignCorners === true, target);
      return { data: out, info: { format: opened.format, width: info.width, height: info.height } };
    }
    // fastShrinkOnLoad off: libjpeg's decode-time shrink changes pixels and can round the resized size differently
    // (229 instead of 230 wide, shifting the crop) from torchvision's resize of the fully decoded image.
    const resized =
      spec.resizeMode === 'center-crop'
        ? opened.image.resize(spec.resizeShorter ?? Math.max(H, W), spec.resizeShorter ?? Math.max(H, W), { fit: 'outside', kernel: 'linear', fastShrinkOnLoad: false })
        : opened.image.resize(W, H, { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false });
    const { data, info } = await colour(resized).raw().toBuffer({ resolveWithObject: true });
    if (info.width < W || info.height < H) throw new Error(`resize gave ${info.width}x${info.height}, smaller than ${W}x${H}`);
    // torchvision's CenterCrop rounds the offset: int(round((size - crop) / 2)).
    writeFloats({ data, width: info.width, channels: info.channels, left: Math.round((info.width - W) / 2), top: Math.round((info.height - H) / 2) }, target);
    return { data: out, info: { format: opened.format, width: info.width, height: info.height } };
  } catch (cause) {
    throw corruptImage(cause, opened.format, where);
  }
}

/** The source box that "scale the shorter side, then crop the centre" keeps (whole image for stretch). */
function cropBox(width: number, height: number, spec: PreprocessSpec): { left: number; top: number; width: number; height: number } {
  if (spec.resizeMode === 'stretch') return { left: 0, top: 0, width, height };
  const s = Math.min(width, height) / (spec.resizeShorter ?? Math.max(spec.height, spec.width));
  const w = Math.min(width, Math.round(spec.width * s));
  const h = Math.min(height, Math.round(spec.height * s));
  return { left: Math.round((width - w) / 2), top: Math.round((height - h) / 2), width: w, height: h };
}

/**
 * The training path: random resized crop to the target size, flips, rotation about the centre
 * keeping the size (black corners), hue shift. Three libvips pipelines, because libvips applies
 * extract/resize/rotate in its own fixed order within one.
 */
async function augmented(
  image: Sharp,
  spec: PreprocessSpec,
  colour: (img: Sharp) => Sharp,
  augment: NonNullable<PreprocessOptions['augment']>,
  target: FloatTarget,
): Promise<{ width: number; height: number; augment: AugmentParams }> {
  const { height: H, width: W } = spec;
  const full = await colour(image).raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } };
  const params = sampleAugmentation(augment.rng, full.info.width, full.info.height, augment.options);
  let step = sharp(full.data, raw).extract(params.crop).resize(W, H, { fit: 'fill', kernel: 'linear' });
  if (params.hflip) step = step.flop();
  if (params.vflip) step = step.flip();
  const cropped = await step.raw().toBuffer({ resolveWithObject: true });
  let rot = sharp(cropped.data, { raw: { width: W, height: H, channels: cropped.info.channels } });
  // torchvision turns counter-clockwise for a positive angle; libvips clockwise.
  if (params.angle !== 0) rot = rot.rotate(-params.angle, { background: { r: 0, g: 0, b: 0, alpha: 1 } });
  if (params.hueDegrees !== 0 && cropped.info.channels >= 3) rot = rot.modulate({ hue: params.hueDegrees });
  const { data, info } = await rot.raw().toBuffer({ resolveWithObject: true });
  writeFloats({ data, width: info.width, channels: info.channels, left: Math.floor((info.width - W) / 2), top: Math.floor((info.height - H) / 2) }, target);
  return { width: full.info.width, height: full.info.height, augment: params };
}
