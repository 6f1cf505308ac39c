import { type DataSource, type EntityManager } from 'typeorm';
import { ImportError } from './import-error';
import { type ResultsBatch } from './results-batch';

/** A file an import read, identified by content so provenance survives renames. */
export interface ImportedFile {
  file: string;
  sha256: string;
}

export interface RowCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  study: string;
  studyCreated: boolean;
  scores: RowCounts;
  evaluations: RowCounts;
  datasets: string[];
  models: string[];
  metrics: string[];
}

/**
 * Writes a validated batch into a study in one transaction: either every row lands or none does.
 * Rows are upserted on their unique keys, so importing the same files again changes nothing; a value that differs
 * from the stored one is updated (and counted as such).
 */
export async function writeImportedResults(
  dataSource: DataSource,
  study: string,
  batch: ResultsBatch,
  files: ImportedFile[],
): Promise<ImportSummary> {
  return dataSource.transaction(async (manager) => {
    const { id: studyId, created } = await upsertStudy(manager, study, files);
    const datasetIds = await upsertDatasets(manager, batch.datasets);
    await manager.query('INSERT INTO source_model (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING', [[...batch.models]]);
    await manager.query('INSERT INTO metric (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING', [[...batch.metrics]]);
    const hashOf = new Map(files.map(({ file, sha256 }) => [file, sha256]));

    const scores = await upsertRows(
      manager,
      `INSERT INTO score (study_id, metric_id, model_id, dataset_id, split, pool_id, status, value, provenance)
       SELECT $1, m, mo, d, 'train', '', 'ok', v, p
       FROM unnest($2::text[], $3::text[], $4::int[], $5::float8[], $6::jsonb[]) AS t(m, mo, d, v, p)
       ON CONFLICT ON CONSTRAINT uq_score_identity
       DO UPDATE SET value = EXCLUDED.value, status = 'ok', reason = NULL, provenance = EXCLUDED.provenance
       WHERE score.value IS DISTINCT FROM EXCLUDED.value OR score.status <> 'ok'
       RETURNING (xmax = 0) AS inserted`,
      [
        studyId,
        batch.scores.map((s) => s.metric),
        batch.scores.map((s) => s.model),
        batch.scores.map((s) => datasetIds.get(s.dataset)!),
        batch.scores.map((s) => s.value),
        batch.scores.map((s) => JSON.stringify({ file: s.file, line: s.line, sha256: hashOf.get(s.file) })),
      ],
      batch.scores.length,
    );

    const evaluations = await upsertRows(
      manager,
      `INSERT INTO evaluation (study_id, model_id, dataset_id, split, protocol, measure, value, provenance)
       SELECT $1, mo, d, sp, 'imported', me, v, p
       FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::float8[], $7::jsonb[]) AS t(mo, d, sp, me, v, p)
       ON CONFLICT ON CONSTRAINT uq_evaluation_identity
       DO UPDATE SET value = EXCLUDED.value, split = EXCLUDED.split, provenance = EXCLUDED.provenance
       WHERE evaluation.value IS DISTINCT FROM EXCLUDED.value
       RETURNING (xmax = 0) AS inserted`,
      [
        studyId,
        batch.evaluations.map((e) => e.model),
        batch.evaluations.map((e) => datasetIds.get(e.dataset)!),
        batch.evaluations.map((e) => e.split),
        batch.evaluations.map((e) => e.measure),
        batch.evaluations.map((e) => e.value),
        batch.evaluations.map((e) => JSON.stringify({ file: e.file, line: e.line, sha256: hashOf.get(e.file) })),
      ],
      batch.evaluations.length,
    );

    return {
      study,
      studyCreated: created,
      scores,
      evaluations,
      datasets: [...batch.datasets.keys()].sort(),
      models: [...batch.models].sort(),
      metrics: [...batch.metrics].sort(),
    };
  });
}

async function upsertStudy(manager: EntityManager, name: string, files: ImportedFile[]): Promise<{ id: number; created: boolean }> {
  const inserted: { id: number }[] = await manager.query(
    `INSERT INTO study (name, origin, definition) VALUES ($1, 'imported', $2)
     ON CONFLICT (name) DO NOTHING RETURNING id`,
    [name, JSON.stringify({ importedFrom: files })],
  );
  if (inserted.length > 0) return { id: inserted[0]!.id, created: true };
  const [existing] = (await manager.query('SELECT id, origin FROM study WHERE name = $1', [name])) as { id: number; origin: string }[];
  if (existing!.origin !== 'imported') {
    throw new ImportError(files[0]?.file ?? name, null, `study "${name}" holds ${existing!.origin} results; import published results into a study of their own`);
  }
  return { id: existing!.id, created: false };
}

async function upsertDatasets(manager: EntityManager, datasets: Map<string, number | null>): Promise<Map<string, number>> {
  const names = [...datasets.keys()];
  await manager.query(
    `INSERT INTO dataset (name, num_classes) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (name) DO UPDATE SET num_classes = EXCLUDED.num_classes
     WHERE dataset.num_classes IS NULL AND EXCLUDED.num_classes IS NOT NULL`,
    [names, names.map((name) => datasets.get(name))],
  );
  const rows: { id: number; name: string }[] = await manager.query('SELECT id, name FROM dataset WHERE name = ANY($1::text[])', [names]);
  return new Map(rows.map((row) => [row.name, row.id]));
}

async function upsertRows(manager: EntityManager, sql: string, parameters: unknown[], total: number): Promise<RowCounts> {
  if (total === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const rows: { inserted: boolean }[] = await manager.query(sql, parameters);
  const inserted = rows.filter((row) => row.inserted).length;
  const updated = rows.length - inserted;
  return { inserted, updated, unchanged: total - rows.length };
}
