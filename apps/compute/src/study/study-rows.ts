import { type DataSource } from 'typeorm';
import { poolRelativeMetricIds, type ResolvedStudy } from './resolve-study';
import { StudyDefinitionError } from './study-definition';

/** Database ids of a study and of its datasets, keyed by registry id. */
export interface StudyRows {
  studyId: number;
  datasetIds: Map<string, number>;
}

/**
 * Records the study, its datasets (with their ID/OOD roles), models and metrics, idempotently, in one transaction.
 * A study name already used by imported results is refused.
 */
export async function recordStudy(dataSource: DataSource, study: ResolvedStudy): Promise<StudyRows> {
  const { definition } = study;
  return dataSource.transaction(async (manager) => {
    // The resolved plan ("all" expanded, OOD partners from the registry) lets readers such as the API count the
    // study's units (done / total) from the results tables alone, the way completedUnits does.
    const plan = {
      models: study.models.map((m) => m.id),
      pairs: study.pairs.map((p) => ({ dataset: p.id.id, ood: p.ood?.id ?? null })),
      metrics: study.metricIds,
      poolRelativeMetrics: poolRelativeMetricIds(study),
      trials: definition.trials,
      seed: definition.seed,
    };
    const stored = { ...definition, baseDir: undefined, plan };
    const rows: { id: number; origin: string }[] = await manager.query(
      `INSERT INTO study (name, description, origin, definition) VALUES ($1, $2, 'computed', $3)
       ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition, description = EXCLUDED.description
       WHERE study.origin = 'computed'
       RETURNING id, origin`,
      [definition.name, definition.description, JSON.stringify(stored)],
    );
    if (rows.length === 0) throw new StudyDefinitionError(`study name "${definition.name}" is taken by imported results; choose another name`);
    const studyId = rows[0]!.id;

    const datasetIds = new Map<string, number>();
    for (const pair of study.pairs) {
      for (const [dataset, role] of [[pair.id, 'ID'], [pair.ood, 'OOD']] as const) {
        if (!dataset) continue;
        const [row] = (await manager.query(
          `INSERT INTO dataset (name, task, num_classes, class_names, role, id_dataset_id) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (name) DO UPDATE SET task = EXCLUDED.task, num_classes = EXCLUDED.num_classes, class_names = EXCLUDED.class_names,
             role = EXCLUDED.role, id_dataset_id = EXCLUDED.id_dataset_id
           RETURNING id`,
          [dataset.id, dataset.name ?? dataset.id, dataset.classes.length, JSON.stringify(dataset.classes.map((c) => c.name)), role, role === 'OOD' ? datasetIds.get(pair.id.id) : null],
        )) as { id: number }[];
        datasetIds.set(dataset.id, row!.id);
      }
    }

    for (const model of study.models) {
      await manager.query(
        `INSERT INTO source_model (id, architecture, source_dataset, weights_hash, parameter_count, imagenet_top1, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET architecture = EXCLUDED.architecture, source_dataset = EXCLUDED.source_dataset,
           weights_hash = EXCLUDED.weights_hash, parameter_count = EXCLUDED.parameter_count, imagenet_top1 = EXCLUDED.imagenet_top1, metadata = EXCLUDED.metadata`,
        [
          model.id,
          model.architecture ?? model.family ?? '',
          model.source.dataset,
          model.weightsHash,
          model.params,
          model.imagenetTop1 ?? null,
          JSON.stringify({ format: model.format, license: model.license.spdx, provenance: model.provenance.kind, featureDim: model.featureDim }),
        ],
      );
    }

    for (const id of study.metricIds) {
      const metric = study.metrics.get(id);
      const paper = `${metric.paper.authors.join(', ')} (${metric.paper.year}). ${metric.paper.title}. ${metric.paper.venue}. ${metric.paper.url}`;
      await manager.query(
        `INSERT INTO metric (id, variant, version, direction, pool_relative, required_inputs, paper) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET variant = EXCLUDED.variant, version = EXCLUDED.version, direction = EXCLUDED.direction,
           pool_relative = EXCLUDED.pool_relative, required_inputs = EXCLUDED.required_inputs, paper = EXCLUDED.paper`,
        [metric.id, metric.variant, metric.version, metric.direction, metric.poolRelative, JSON.stringify(metric.requires), paper],
      );
    }
    return { studyId, datasetIds };
  });
}
