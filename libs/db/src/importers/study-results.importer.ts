import { parseResultsCsv } from './csv-table';
import { DuplicateGuard, emptyBatch, metricIdFromColumn, readName, readNumber, type ResultsBatch } from './results-batch';

/** Columns of the study's `task_performances.csv`. */
export const PERFORMANCE_COLUMNS = ['task', 'model', 'val_acc_score', 'test_acc_score'] as const;
/** Columns of the study's `transf_metrics_values.csv`. */
export const SCORE_COLUMNS = ['task', 'model', 'metric', 'value'] as const;

export interface StudyResultsFiles {
  performances: { file: string; text: string };
  scores: { file: string; text: string };
}

/**
 * Validates the study's two results files (arXiv 2308.07444's published format) into one batch.
 * Validation and test balanced accuracies become the measures `val_balanced_accuracy` and `test_balanced_accuracy`;
 * metric names lose their `_score` suffix (`hscore_score` -> `hscore`).
 */
export function parseStudyResults({ performances, scores }: StudyResultsFiles): ResultsBatch {
  const batch = emptyBatch();
  const perModel = new DuplicateGuard(performances.file, '(task, model)');
  for (const row of parseResultsCsv(performances.text, performances.file, PERFORMANCE_COLUMNS)) {
    const dataset = readName(row, 'task', performances.file);
    const model = readName(row, 'model', performances.file);
    perModel.check([dataset, model], row.line);
    const val = readNumber(row, 'val_acc_score', performances.file, [0, 1]);
    const test = readNumber(row, 'test_acc_score', performances.file, [0, 1]);
    batch.datasets.set(dataset, null);
    batch.models.add(model);
    const source = { file: performances.file, line: row.line, dataset, model };
    batch.evaluations.push({ ...source, split: 'val', measure: 'val_balanced_accuracy', value: val });
    batch.evaluations.push({ ...source, split: 'test', measure: 'test_balanced_accuracy', value: test });
  }

  const perMetric = new DuplicateGuard(scores.file, '(task, model, metric)');
  for (const row of parseResultsCsv(scores.text, scores.file, SCORE_COLUMNS)) {
    const dataset = readName(row, 'task', scores.file);
    const model = readName(row, 'model', scores.file);
    const metric = metricIdFromColumn(readName(row, 'metric', scores.file));
    perMetric.check([dataset, model, metric], row.line);
    const value = readNumber(row, 'value', scores.file);
    batch.datasets.set(dataset, batch.datasets.get(dataset) ?? null);
    batch.models.add(model);
    batch.metrics.add(metric);
    batch.scores.push({ file: scores.file, line: row.line, dataset, model, metric, value });
  }
  return batch;
}
