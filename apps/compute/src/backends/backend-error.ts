/** Why a tfjs backend could not be selected. */
export type BackendErrorCode = 'UNKNOWN_BACKEND' | 'BACKEND_UNAVAILABLE' | 'BACKEND_INIT_FAILED';

/** A typed error of backend selection; `code` is stable, `message` says what to install or change. */
export class BackendError extends Error {
  readonly code: BackendErrorCode;

  constructor(code: BackendErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendError';
    this.code = code;
  }
}
