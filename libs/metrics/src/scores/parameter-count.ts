import { MetricInputError } from '../errors';
import { checkModelMetadata, type ModelMetadata } from '../input';
import { type StaticBaselineResult } from './imagenet-top1';

/**
 * Parameter count of the model as a static baseline (variant `model-card`): bigger networks are predicted to transfer
 * better, whatever the target data.
 *
 * @param model metadata with `parameters`, a positive integer.
 * @returns the parameter count itself (higher = predicted to transfer better). Rank correlations, the study's measure,
 *   are invariant to a monotone transform, so no log is taken.
 * @throws MetricInputError `metadata_missing` without `parameters`, `metadata_out_of_range` if not a positive integer.
 *
 * **Definition.** value = number of parameters of the whole network (backbone and head, as the model card counts them).
 *
 * **Direction.** Higher: within architecture families, larger models pre-trained on the same data transfer better
 * (Kolesnikov et al., BiT: ResNet-50x1 to 152x4, gains growing with pre-training data; Kornblith et al. 2019 found the
 * same ordering through ImageNet accuracy). It is a crude prior across families (a small modern network can beat an
 * old large one), which is exactly what makes it a baseline.
 *
 * **References.** A. Kolesnikov, L. Beyer, X. Zhai, J. Puigcerver, J. Yung, S. Gelly, N. Houlsby, "Big Transfer (BiT):
 * General Visual Representation Learning", ECCV 2020. https://arxiv.org/abs/1912.11370
 *
 * @example
 * parameterCount({ parameters: 25_557_032 }).value; // 25557032 (torchvision ResNet-50)
 */
export function parameterCount(model: ModelMetadata): StaticBaselineResult {
  checkModelMetadata(model);
  if (model.parameters === undefined) throw new MetricInputError('metadata_missing', 'parameter_count needs model.parameters');
  return { value: model.parameters };
}
