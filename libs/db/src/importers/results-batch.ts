import { ImportError } from './import-error';
import { type CsvRow } from './csv-table';

/** Where a value came from, kept in the row's provenance and used in error messages. */
export interface SourceLine {
  file: string;
  line: number;
}

export interface ImportedScore extends SourceLine {
  dataset: string;
  model: string;
  metric: string;
  value: number;
}

export interface ImportedEvaluation extends SourceLine {
  dataset: string;
  model: string;
  measure: string;
  split: 'test' | 'val';
  value: number;
}

/** Everything one import writes, validated and de-duplicated, before any database work. */
export interface ResultsBatch {
  /** Dataset name -> number of classes where the file states it. */
  datasets: Map<string, number | null>;
  models: Set<string>;
  metrics: Set<string>;
  scores: ImportedScore[];
  evaluations: ImportedEvaluation[];
}

export function emptyBatch(): ResultsBatch {
  return { datasets: new Map(), models: new Set(), metrics: new Set(), scores: [], evaluations: [] };
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

/** Dataset, model and metric names become ids in URLs and queries: letters, digits and `_ . + -` only. */
export function readName(row: CsvRow, column: string, file: string): string {
  const value = row.values[column]!.trim();
  if (value === '') throw new ImportError(file, row.line, `column ${column} is empty`);
  if (!NAME_PATTERN.test(value)) {
    throw new ImportError(file, row.line, `column ${column}: "${truncate(value)}" is not a valid name (letters, digits and _ . + - only, at most 128 characters)`);
  }
  return value;
}

/** A finite number; `bounds` rejects values outside a measure's domain (balanced accuracy lies in [0, 1]). */
export function readNumber(row: CsvRow, column: string, file: string, bounds?: [number, number]): number {
  const text = row.values[column]!.trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new ImportError(file, row.line, `column ${column}: "${truncate(text)}" is not a finite number`);
  }
  if (bounds && (value < bounds[0] || value > bounds[1])) {
    throw new ImportError(file, row.line, `column ${column}: ${value} is outside [${bounds[0]}, ${bounds[1]}]`);
  }
  return value;
}

/** The study's files name metrics `<id>_score`; the registry's id is without the suffix. */
export function metricIdFromColumn(name: string): string {
  return name.endsWith('_score') && name.length > '_score'.length ? name.slice(0, -'_score'.length) : name;
}

/** Rejects a second row for the same key, naming the line of the first. */
export class DuplicateGuard {
  private readonly firstLine = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly what: string,
  ) {}

  check(key: readonly string[], line: number): void {
    const id = JSON.stringify(key);
    const first = this.firstLine.get(id);
    if (first !== undefined) {
      throw new ImportError(this.file, line, `duplicate ${this.what} (${key.join(', ')}), first given at line ${first}`);
    }
    this.firstLine.set(id, line);
  }
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
