import { ImportError } from './import-error';

/** One data row of a CSV file, keyed by header name, with its 1-based line number for error messages. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/**
 * Parses a results CSV (RFC 4180: quoted fields, doubled quotes, CRLF; a UTF-8 BOM is ignored) and checks that the
 * header holds exactly the `required` columns (extra columns are an error too: results files have a fixed format,
 * and an unexpected column usually means the wrong file).
 */
export function parseResultsCsv(text: string, file: string, required: readonly string[]): CsvRow[] {
  const records = splitRecords(text.startsWith('\uFEFF') ? text.slice(1) : text, file);
  if (records.length === 0) throw new ImportError(file, null, `empty file: expected a header ${required.join(',')}`);
  const [header, ...body] = records;
  const names = header!.fields.map((name) => name.trim());
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
  return body.map(({ line, fields }) => {
    if (fields.length !== names.length) {
      throw new ImportError(file, line, `expected ${names.length} fields, found ${fields.length}`);
    }
    return { line, values: Object.fromEntries(names.map((name, i) => [name, fields[i]!])) };
  });
}

interface RawRecord {
  line: number;
  fields: string[];
}

/** Splits text into records; blank lines are skipped, line numbers count physical lines. */
function splitRecords(text: string, file: string): RawRecord[] {
  const records: RawRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = () => {
    if (fieldStarted || fields.length > 0 || field.length > 0) {
      fields.push(field);
      records.push({ line: recordLine, fields });
    }
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.length === 0) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      if (fields.length === 0 && field.length === 0) recordLine = line;
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new ImportError(file, recordLine, 'unterminated quoted field');
  endRecord();
  return records;
}
