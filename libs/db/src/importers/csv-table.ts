import { DatasetError, parseCsv, type CsvTable } from '@transferscope/datasets';
import { ImportError } from './import-error';

/** One data row of a CSV file, keyed by header name, with its 1-based line number for error messages. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/**
 * Parses a results CSV (with the datasets library's RFC 4180 reader) and checks that the
 * header holds exactly the `required` columns (extra columns are an error too: results files have a fixed format,
 * and an unexpected column usually means the wrong file).
 */
export function parseResultsCsv(text: string, file: string, required: readonly string[]): CsvRow[] {
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new ImportError(file, null, `empty file: expected a header ${required.join(',')}`);
  let table: CsvTable;
  try {
    table = parseCsv(text, file);
  } catch (error) {
    if (error instanceof DatasetError) throw new ImportError(file, error.row ?? null, error.detail);
    throw error;
  }
  const names = table.header.map((name) => name.trim());
  const body = table.records;
  const missing = required.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new ImportError(file, 1, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header is "${names.join(',')}", expected "${required.join(',')}")`);
  }
  const unexpected = names.filter((name) => !required.includes(name));
  if (unexpected.length > 0) {
    throw new ImportError(file, 1, `unexpected column${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')} (expected "${required.join(',')}")`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ImportError(file, 1, `column ${name} appears twice`);
    seen.add(name);
  }
  if (body.length === 0) throw new ImportError(file, null, 'no data rows after the header');
  return body.map(({ row, fields }) => ({ line: row, values: Object.fromEntries(names.map((name, i) => [name, fields[i]!])) }));
}
