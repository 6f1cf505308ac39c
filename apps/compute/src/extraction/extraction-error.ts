/** Why feature extraction or the feature cache refused its input. */
export type ExtractionErrorCode = 'BATCH_SHAPE' | 'LABELS_LENGTH' | 'BATCH_TOO_LARGE' | 'EMPTY' | 'CACHE_KEY' | 'CACHE_CORRUPT';

/** A typed error of feature extraction; `code` is stable, `message` is for people. */
export class ExtractionError extends Error {
  readonly code: ExtractionErrorCode;

  constructor(code: ExtractionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExtractionError';
    this.code = code;
  }
}
