/** A rejected import: which file, which line (1-based, the header is line 1), and what was wrong. Nothing was written. */
export class ImportError extends Error {
  readonly code = 'IMPORT_REJECTED';

  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
    this.name = 'ImportError';
  }
}
