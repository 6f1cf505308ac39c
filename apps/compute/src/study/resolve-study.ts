import { DatasetRegistry, loadSplit, manifestHash, specFromZooInput, type DatasetDefinition, type Manifest } from '@transferscope/datasets';
import { createRegistry, type MetricRegistry } from '@transferscope/metrics';
import { isAbsolute, resolve } from 'node:path';
import { findZooModel, loadZooManifest, type ZooManifest, type ZooModel } from '../models/zoo-manifest';
import { type StudyDefinition, StudyDefinitionError } from './study-definition';
import { planUnits, type StudyUnit } from './units';

/** Largest input batch the extraction accepts (the extraction refuses larger ones too). */
export const MAX_BATCH_BYTES = 512 * 2 ** 20;

/** The four feature sets a (model, dataset pair) needs: training, validation and test of the ID dataset, and the OOD set. */
export type StudySplit = 'train' | 'val' | 'test' | 'ood';

export interface DatasetPair {
  id: DatasetDefinition;
  ood: DatasetDefinition | null;
}

/** Everything a study needs, checked before any work starts. */
export interface ResolvedStudy {
  definition: StudyDefinition;
  zoo: ZooManifest;
  models: ZooModel[];
  pairs: DatasetPair[];
  metrics: MetricRegistry;
  metricIds: string[];
  dataRoot: string;
}

export interface StudyLocations {
  /** Data root from flags/environment; falls back to the study file's, then the configuration file's. */
  dataRoot: string | null;
  zoo: string | null;
  paperData: string | null;
  /** Metric plugins already loaded into this registry (optional). */
  metrics?: MetricRegistry;
}

/** Resolves models, datasets and metrics named by a study; unknown ids are a StudyDefinitionError naming them. */
export async function resolveStudy(definition: StudyDefinition, locations: StudyLocations): Promise<ResolvedStudy> {
  const fromStudy = (path: string | undefined) => (path === undefined ? null : isAbsolute(path) ? path : resolve(definition.baseDir, path));
  const dataRoot = locations.dataRoot ?? fromStudy(definition.dataRoot);
  const zooPath = locations.zoo ?? fromStudy(definition.zoo);
  if (!dataRoot) throw new StudyDefinitionError(`study ${definition.name}: no data root (set TRANSFERSCOPE_DATA_ROOT, --data-root, or "dataRoot" in the study file)`);
  if (!zooPath) throw new StudyDefinitionError(`study ${definition.name}: no model zoo (set TRANSFERSCOPE_ZOO, --zoo, or "zoo" in the study file)`);

  const zoo = await loadZooManifest({ zoo: zooPath });
  const modelIds = definition.models === 'all' ? zoo.models.map((m) => m.id) : definition.models;
  const unknownModels = modelIds.filter((id) => !zoo.models.some((m) => m.id === id));
  if (unknownModels.length) throw new StudyDefinitionError(`study ${definition.name}: unknown model${unknownModels.length > 1 ? 's' : ''} ${unknownModels.join(', ')} (the zoo has ${zoo.models.map((m) => m.id).join(', ')})`);

  const registry = DatasetRegistry.builtin({ zooDatasetsDir: dataRoot, dataRoot, ...(locations.paperData ? { paperDataDir: locations.paperData } : {}) });
  const pairs = definition.datasets.map(({ id, ood }) => {
    if (!registry.has(id)) throw new StudyDefinitionError(`study ${definition.name}: unknown dataset ${id} (known: ${registry.ids().join(', ')})`);
    const idDef = registry.get(id);
    const oodId = ood === undefined ? idDef.ood : ood;
    if (oodId && !registry.has(oodId)) throw new StudyDefinitionError(`study ${definition.name}: unknown OOD dataset ${oodId} for ${id}`);
    return { id: idDef, ood: oodId ? registry.get(oodId) : null };
  });

  // Refuse a batch that cannot fit before any work starts, rather than dying mid-study.
  for (const model of modelIds.map((id) => findZooModel(zoo, id))) {
    const { height, width, channels } = model.input;
    const bytes = definition.extractionBatchSize * height * width * channels * 4;
    if (bytes > MAX_BATCH_BYTES) {
      throw new StudyDefinitionError(
        `study ${definition.name}: extractionBatchSize ${definition.extractionBatchSize} needs ${(bytes / 2 ** 20).toFixed(0)} MiB of input for ${model.id} ` +
          `(${height}x${width}x${channels} float32), over the ${MAX_BATCH_BYTES / 2 ** 20} MiB limit; use at most ${Math.floor(MAX_BATCH_BYTES / (height * width * channels * 4))}`,
      );
    }
  }

  const metrics = locations.metrics ?? createRegistry();
  const metricIds = definition.metrics === 'all' ? metrics.ids() : definition.metrics;
  const unknownMetrics = metricIds.filter((id) => !metrics.ids().includes(id));
  if (unknownMetrics.length) throw new StudyDefinitionError(`study ${definition.name}: unknown metric${unknownMetrics.length > 1 ? 's' : ''} ${unknownMetrics.join(', ')} (registered: ${metrics.ids().join(', ')})`);

  return { definition, zoo, models: modelIds.map((id) => findZooModel(zoo, id)), pairs, metrics, metricIds, dataRoot };
}

/** The manifest of one split of a pair, cut to the study's limits (first n per class, in manifest order). */
export async function splitManifest(study: ResolvedStudy, pair: DatasetPair, split: StudySplit): Promise<{ dataset: DatasetDefinition; manifest: Manifest }> {
  const dataset = split === 'ood' ? pair.ood : pair.id;
  if (!dataset) throw new StudyDefinitionError(`dataset ${pair.id.id} has no OOD partner`);
  const splitName = split === 'ood' ? 'test' : split;
  const full = await loadSplit(dataset, splitName, { dataRoot: study.dataRoot });
  const limit = study.definition.limits?.[split];
  if (!limit) return { dataset, manifest: full };
  const taken = new Map<number, number>();
  const items = full.items.filter((item) => {
    const count = taken.get(item.label) ?? 0;
    taken.set(item.label, count + 1);
    return count < limit.perClass;
  });
  return { dataset, manifest: { ...full, items, hash: manifestHash(items, full.classes) } };
}

/** Every unit of a resolved study, in runnable order. */
export function studyUnits(study: ResolvedStudy): StudyUnit[] {
  return planUnits(
    study.models.map((m) => m.id),
    study.pairs.map((p) => ({ dataset: p.id.id, hasOod: p.ood !== null })),
    study.definition.trials,
    poolRelativeMetricIds(study).length > 0,
  );
}

/** The study's metrics whose values are only meaningful within a pool of models (scored by the pool units). */
export function poolRelativeMetricIds(study: ResolvedStudy): string[] {
  return study.metricIds.filter((id) => study.metrics.get(id).poolRelative);
}

/** Preprocessing of a zoo model as the datasets library runs it. */
export const preprocessingOf = (model: ZooModel) => specFromZooInput(model.input);
