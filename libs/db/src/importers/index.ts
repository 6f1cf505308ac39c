import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type DataSource } from 'typeorm';
import { ImportError } from './import-error';
import { parseLongResults } from './long-results.importer';
import { type ResultsBatch } from './results-batch';
import { parseStudyResults } from './study-results.importer';
import { writeImportedResults, type ImportedFile, type ImportSummary } from './write-results';

export { ImportError } from './import-error';
export { parseStudyResults, PERFORMANCE_COLUMNS, SCORE_COLUMNS } from './study-results.importer';
export { parseLongResults, LONG_COLUMNS } from './long-results.importer';
export { writeImportedResults } from './write-results';
export type { ImportSummary, RowCounts, ImportedFile } from './write-results';
export type { ResultsBatch, ImportedScore, ImportedEvaluation } from './results-batch';

/** A results file given by path (CLI) or by content (an upload through the API). */
export type ResultsSource = { path: string } | { name: string; text: string };

/** Imports the study's `task_performances.csv` + `transf_metrics_values.csv` pair into `study`. */
export async function importStudyResults(
  dataSource: DataSource,
  study: string,
  sources: { performances: ResultsSource; scores: ResultsSource },
): Promise<ImportSummary> {
  const performances = await readSource(sources.performances);
  const scores = await readSource(sources.scores);
  const batch = parseStudyResults({ performances, scores });
  return write(dataSource, study, batch, [performances, scores]);
}

/** Imports one long-format file (`dataset,model,test_score,classes,transf_metric,transf_score`) into `study`. */
export async function importLongResults(dataSource: DataSource, study: string, source: ResultsSource): Promise<ImportSummary> {
  const file = await readSource(source);
  return write(dataSource, study, parseLongResults(file.file, file.text), [file]);
}

const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

async function write(dataSource: DataSource, study: string, batch: ResultsBatch, files: { file: string; text: string }[]): Promise<ImportSummary> {
  if (!STUDY_NAME.test(study)) {
    throw new ImportError(files[0]!.file, null, `study name "${study.slice(0, 40)}" is not valid (letters, digits and _ . + - only, at most 128 characters)`);
  }
  const identified: ImportedFile[] = files.map(({ file, text }) => ({ file, sha256: createHash('sha256').update(text).digest('hex') }));
  return writeImportedResults(dataSource, study, batch, identified);
}

async function readSource(source: ResultsSource): Promise<{ file: string; text: string }> {
  if ('text' in source) return { file: source.name, text: source.text };
  let bytes: Buffer;
  try {
    bytes = await readFile(source.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new ImportError(source.path, null, reason);
  }
  try {
    return { file: source.path, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    throw new ImportError(source.path, null, 'is not valid UTF-8 text');
  }
}
