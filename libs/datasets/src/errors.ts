/**
 * Why a dataset operation failed. A string code per failure so callers (CLI, API) can map it
 * to an exit status or a GraphQL error in one place.
 */
export type DatasetErrorCode =
  | 'MISSING_FILE'
  | 'CORRUPT_IMAGE'
  | 'UNSUPPORTED_FORMAT'
  | 'UNKNOWN_LABEL'
  | 'BAD_LABEL'
  | 'EMPTY_SPLIT'
  | 'MISSING_COLUMN'
  | 'BAD_CSV'
  | 'PATH_ESCAPES_ROOT'
  | 'BAD_DEFINITION'
  | 'UNKNOWN_SPLIT'
  | 'UNKNOWN_DATASET'
  | 'BAD_SPEC';

/** Where in the input the problem sits: the file, its 1-based row (CSV line of the record) and the field. */
export interface DatasetErrorLocation {
  file?: string;
  row?: number;
  field?: string;
}

/**
 * The one error type of this library. Its message always names the file, and the row and field
 * where there is one, so one bad record among 25k can be found and fixed.
 */
export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly field: string | undefined;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(code: DatasetErrorCode, detail: string, where: DatasetErrorLocation = {}, options?: { cause?: unknown }) {
    super(`${formatLocation(where)}${detail}`, options);
    this.name = 'DatasetError';
    this.code = code;
    this.file = where.file;
    this.row = where.row;
    this.field = where.field;
    this.detail = detail;
  }
}

function formatLocation({ file, row, field }: DatasetErrorLocation): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(file);
  if (row !== undefined) parts.push(`row ${row}`);
  if (field !== undefined) parts.push(`field "${field}"`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
