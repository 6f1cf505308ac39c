import { DatasetError } from '../errors';

/** A parsed CSV: the header and the records, each with the 1-based line on which it starts. */
export interface CsvTable {
  header: string[];
  records: { row: number; fields: string[] }[];
}

/**
 * Parse CSV text as RFC 4180 describes it: fields separated by commas, records by CRLF or LF,
 * fields in double quotes may hold commas, line breaks and doubled quotes (`""`). A leading
 * UTF-8 BOM is dropped; blank lines are ignored; every record must have as many fields as the header.
 *
 * Single pass over the characters, O(n).
 *
 * @param text - the file's content.
 * @param file - the file name, used only in error messages.
 * @throws DatasetError `BAD_CSV` for an unterminated quote, a quote inside an unquoted field,
 *   text after a closing quote, a field-count mismatch, or an empty file.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: { row: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let fieldStarted = false;
  const n = src.length;

  const endRecord = (): void => {
    fields.push(field);
    // A record that is one empty field is a blank line: skip it.
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) rows.push({ row: recordLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };

  while (i < n) {
    const c = src[i];
    if (c === '"') {
      if (field !== '') throw new DatasetError('BAD_CSV', 'a double quote inside an unquoted field', { file, row: line });
      fieldStarted = true;
      const openLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new DatasetError('BAD_CSV', 'unterminated quoted field', { file, row: openLine });
        const q = src[i];
        if (q === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = src[i];
      if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
        throw new DatasetError('BAD_CSV', 'text after a closing double quote', { file, row: line });
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();

  if (rows.length === 0) throw new DatasetError('BAD_CSV', 'empty file: no header', { file });
  const [head, ...records] = rows;
  const header = head.fields.map((h) => h.trim());
  for (const r of records) {
    if (r.fields.length !== header.length) {
      throw new DatasetError('BAD_CSV', `expected ${header.length} fields as in the header, found ${r.fields.length}`, {
        file,
        row: r.row,
      });
    }
  }
  return { header, records };
}
