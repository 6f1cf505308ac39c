import { dispose, tensor4d } from '@tensorflow/tfjs-core';
import { preprocessImage, readImageFile, specFromZooInput } from '@transferscope/datasets';
import { type LoadedModel } from '../models/load-model';
import { type ZooModel } from '../models/zoo-manifest';
import { OnnxError } from './onnx-error';

/** The tolerance of a conversion: max |onnx - tfjs| over elements, relative to max |tfjs|. */
export const ONNX_TOLERANCE = 1e-4;

/**
 * max_i |a_i - b_i| / max_i |b_i|: the error relative to the reference's scale (0 when both are all zero).
 * Relative to the largest value, not elementwise, because near-zero features differ by float32 rounding
 * of terms that cancel.
 */
export function maxRelativeError(a: Float32Array, reference: Float32Array): number {
  if (a.length !== reference.length) throw new RangeError(`lengths differ: ${a.length} vs ${reference.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - reference[i]);
    if (!(d <= diff)) diff = d; // also catches NaN
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  if (Number.isNaN(diff)) return Number.NaN;
  return scale === 0 ? diff : diff / scale;
}

/** Per-tap errors of one verification (`features`, and `probabilities` / `logits` where the head has them). */
export type VerificationErrors = Record<string, number>;

/** Decodes and preprocesses real images for `entry` (its zoo preprocessing) into one NHWC batch. */
export async function imageBatch(entry: ZooModel, paths: readonly string[]): Promise<{ images: Float32Array; shape: [number, number, number, number] }> {
  const spec = specFromZooInput(entry.input);
  const per = spec.height * spec.width * spec.channels;
  const images = new Float32Array(per * paths.length);
  for (let i = 0; i < paths.length; i++) {
    await preprocessImage(await readImageFile(paths[i]), spec, { out: images, offset: i * per, where: { file: paths[i] } });
  }
  return { images, shape: [paths.length, spec.height, spec.width, spec.channels] };
}

/**
 * Runs the same batch through the ONNX model and the tfjs reference and returns the max relative error
 * of each tap. Throws `VERIFICATION_FAILED` when one exceeds `tolerance` (default {@link ONNX_TOLERANCE}).
 */
export async function verifyOnnxModel(
  onnx: LoadedModel,
  reference: LoadedModel,
  batch: { images: Float32Array; shape: readonly [number, number, number, number] },
  tolerance = ONNX_TOLERANCE,
): Promise<VerificationErrors> {
  if (!onnx.forwardArrays) throw new OnnxError('VERIFICATION_FAILED', `${onnx.entry.id}: not an ONNX model`);
  const got = await onnx.forwardArrays(batch.images, batch.shape);
  const x = tensor4d(batch.images, [...batch.shape]);
  const want = reference.forward(x);
  try {
    const errors: VerificationErrors = { features: maxRelativeError(got.features, (await want.features.data()) as Float32Array) };
    if (want.probabilities && got.probabilities) errors['probabilities'] = maxRelativeError(got.probabilities, (await want.probabilities.data()) as Float32Array);
    if (want.logits && got.logits) errors['logits'] = maxRelativeError(got.logits, (await want.logits.data()) as Float32Array);
    const bad = Object.entries(errors).filter(([, e]) => !(e <= tolerance));
    if (bad.length) {
      throw new OnnxError('VERIFICATION_FAILED', `${onnx.entry.id}: ONNX differs from tfjs beyond ${tolerance} (relative): ${bad.map(([k, e]) => `${k} ${e.toExponential(2)}`).join(', ')}`);
    }
    return errors;
  } finally {
    dispose([x, want.features, ...(want.probabilities ? [want.probabilities] : []), ...(want.logits ? [want.logits] : [])]);
  }
}
