/** What went wrong while reading the zoo manifest, fetching/verifying model files or loading a model. */
export type ModelErrorCode =
  | 'ZOO_NOT_FOUND'
  | 'ZOO_MANIFEST_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'FILE_MISSING'
  | 'SIZE_MISMATCH'
  | 'SHA256_MISMATCH'
  | 'DOWNLOAD_FAILED'
  | 'NO_CACHE_DIR'
  | 'UNVERIFIED_WEIGHT_FILE'
  | 'LAYER_NOT_FOUND'
  | 'TAP_SHAPE_MISMATCH'
  | 'INPUT_SHAPE_MISMATCH'
  | 'UNSUPPORTED_FORMAT';

/** A typed error of the model layer; `code` is stable, `message` is for people. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

/** Raised when a file's content does not hash to what the manifest records. */
export class Sha256MismatchError extends ModelError {
  readonly file: string;
  readonly expected: string;
  readonly actual: string;

  constructor(file: string, expected: string, actual: string) {
    super('SHA256_MISMATCH', `sha256 mismatch for ${file}: expected ${expected}, got ${actual}`);
    this.name = 'Sha256MismatchError';
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}
