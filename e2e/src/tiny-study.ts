import { createRegistry } from '@transferscope/metrics';

/** Two small, different zoo models: a real study in seconds. */
export const TINY_MODELS = ['darknet-tiny-imagenet', 'doodlenet-quickdraw345'];

/**
 * A small real study (real zoo models, real brain MRI images): `trainPerClass` training images per class, 16 per class
 * of the OOD set and 4 per class for validation and test, 2 Halton trials of 2 epochs. With 16 or more training
 * images per class (4 classes: 64 samples) every score applies to both scored splits (GBC and NCTI project onto 64
 * components, N-LEEP fits 5C = 20 mixture components, the cross-validated probe needs 5 per class).
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
    limits: { train: { perClass: trainPerClass }, val: { perClass: 4 }, test: { perClass: 4 }, ood: { perClass: 16 } },
  };
}

/** The rows a finished study must hold, derived from its definition alone (one dataset with an OOD partner). */
export function expectedRows(study: { models: string[]; trials: number; epochs: number; limits: { train: { perClass: number } } }) {
  if (study.limits.train.perClass < 16) throw new Error('expectedRows assumes every score applies: use at least 16 training images per class');
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
