import { ImportError } from './import-error';
import { parseResultsCsv } from './csv-table';
import { DuplicateGuard, emptyBatch, metricIdFromColumn, readName, readNumber, type ResultsBatch } from './results-batch';

/** Columns of the long format used by the study's follow-up benchmark. */
export const LONG_COLUMNS = ['dataset', 'model', 'test_score', 'classes', 'transf_metric', 'transf_score'] as const;

/**
 * Validates a long-format results file: one row per (dataset, model, metric), repeating the model's `test_score`
 * (stored as the measure `test_score`) and the dataset's class count, which must agree wherever they repeat.
 * A metric named `imagenet` is the ImageNet top-1 baseline and keeps its name.
 */
export function parseLongResults(file: string, text: string): ResultsBatch {
  const batch = emptyBatch();
  const perMetric = new DuplicateGuard(file, '(dataset, model, transf_metric)');
  const testScore = new Map<string, { value: number; line: number }>();
  const classLine = new Map<string, number>();
  for (const row of parseResultsCsv(text, file, LONG_COLUMNS)) {
    const dataset = readName(row, 'dataset', file);
    const model = readName(row, 'model', file);
    const metric = metricIdFromColumn(readName(row, 'transf_metric', file));
    perMetric.check([dataset, model, metric], row.line);
    const test = readNumber(row, 'test_score', file);
    const classes = readNumber(row, 'classes', file);
    if (!Number.isInteger(classes) || classes < 2) {
      throw new ImportError(file, row.line, `column classes: ${classes} is not an integer >= 2`);
    }
    const score = readNumber(row, 'transf_score', file);

    const knownClasses = batch.datasets.get(dataset);
    if (knownClasses !== undefined && knownClasses !== classes) {
      throw new ImportError(file, row.line, `dataset ${dataset} has classes = ${classes}, but ${knownClasses} at line ${classLine.get(dataset)}`);
    }
    batch.datasets.set(dataset, classes);
    classLine.set(dataset, classLine.get(dataset) ?? row.line);

    const key = `${dataset}\u0000${model}`;
    const known = testScore.get(key);
    if (known && known.value !== test) {
      throw new ImportError(file, row.line, `model ${model} on ${dataset} has test_score = ${test}, but ${known.value} at line ${known.line}`);
    }
    if (!known) {
      testScore.set(key, { value: test, line: row.line });
      batch.evaluations.push({ file, line: row.line, dataset, model, split: 'test', measure: 'test_score', value: test });
    }
    batch.models.add(model);
    batch.metrics.add(metric);
    batch.scores.push({ file, line: row.line, dataset, model, metric, value: score });
  }
  return batch;
}
