import { MetricInputError } from '../errors';
import { checkModelMetadata, type ModelMetadata } from '../input';

export interface StaticBaselineResult {
  value: number;
}

/**
 * ImageNet top-1 accuracy of the model as a static baseline (variant `model-card`): the model's own ImageNet-1k
 * validation accuracy, which ignores the target data entirely.
 *
 * @param model metadata with `imagenetTop1`, a fraction in [0, 1] (76.1 % is 0.761).
 * @returns that fraction (higher = predicted to transfer better).
 * @throws MetricInputError `metadata_missing` without `imagenetTop1`, `metadata_out_of_range` outside [0, 1].
 *
 * **Definition.** value = top-1 accuracy on the ImageNet-1k validation set, as reported for the checkpoint.
 *
 * **Why a baseline.** Kornblith et al. found fine-tuned and linear-probe transfer accuracy strongly correlated with
 * ImageNet top-1 (r = 0.99 with fixed features, 0.96 fine-tuned; 16 networks, 12 datasets): a transferability score that cannot rank
 * models better than their ImageNet accuracy adds nothing.
 *
 * **References.** S. Kornblith, J. Shlens, Q. V. Le, "Do Better ImageNet Models Transfer Better?", CVPR 2019.
 * https://arxiv.org/abs/1805.08974
 *
 * @example
 * imagenetTop1({ imagenetTop1: 0.7613 }).value; // 0.7613 (torchvision ResNet-50 v1)
 */
export function imagenetTop1(model: ModelMetadata): StaticBaselineResult {
  checkModelMetadata(model);
  if (model.imagenetTop1 === undefined) throw new MetricInputError('metadata_missing', 'imagenet_top1 needs model.imagenetTop1');
  return { value: model.imagenetTop1 };
}
