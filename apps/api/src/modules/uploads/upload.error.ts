/** Codes of the multipart `/import` endpoint; importer rejections keep the importer's own `IMPORT_REJECTED`. */
export type UploadErrorCode = 'NOT_MULTIPART' | 'BAD_MULTIPART' | 'BAD_UPLOAD_FIELD' | 'UPLOAD_TOO_LARGE';

/** HTTP status of each code: 413 for a body over the limit, 415 for another content type, 400 otherwise. */
export const UPLOAD_ERROR_STATUS: Record<UploadErrorCode, number> = { NOT_MULTIPART: 415, BAD_MULTIPART: 400, BAD_UPLOAD_FIELD: 400, UPLOAD_TOO_LARGE: 413 };

export class UploadError extends Error {
  constructor(
    readonly code: UploadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}
