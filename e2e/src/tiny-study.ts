import { createRegistry } from '@transferscope/metrics';

/** Two small, different zoo models: a real study in seconds. */
export const TINY_MODELS = ['darknet-tiny-imagenet', 'doodlenet-quickdraw345'];

/**
 * A small real study (real zoo models, real brain MRI images): `trainPerClass` training images per class and 4 per
 * class elsewhere, 2 Halton trials of 2 epochs.
 */
export function tinyStudy(name: string, trainPerClass: number) {
  return {
    name,
    datasets: [{ id: 'brain_tumor_kaggle', ood: 'brain_mri_ood' }],
    models: TINY_MODELS,
    metrics: 'all',
    trials: 2,
    epochs: 2,
    batchSize: 16,
    seed: 0,
    backend: 'wasm',
    limits: { train: { perClass: trainPerClass }, val: { perClass: 4 }, test: { perClass: 4 }, ood: { perClass: 4 } },
  };
}

/** The rows a finished study must hold, derived from its definition alone (one dataset with an OOD partner). */
export function expectedRows(study: { models: string[]; trials: number; epochs: number }) {
  const models = study.models.length;
  const registry = createRegistry();
  // A pool-relative metric has one `raw` row per model and split, plus the row of its pool (all the study's models).
  const metrics = registry.ids().length + registry.list().filter((m) => m.poolRelative).length;
  return {
    feature_set: models * 4,
    score: models * metrics * 2,
    trial: models * study.trials,
    trial_epoch: models * study.trials * study.epochs,
    evaluation: models * 5,
  };
}
