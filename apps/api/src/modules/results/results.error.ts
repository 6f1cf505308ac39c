/** Codes the write path reports to clients; importer rejections keep the importer's own `IMPORT_REJECTED`. */
export type ResultsErrorCode = 'UPLOAD_TOO_LARGE' | 'STUDY_EXISTS' | 'INVALID_STUDY_NAME' | 'MISSING_FILE';

export class ResultsError extends Error {
  constructor(
    readonly code: ResultsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ResultsError';
  }
}
