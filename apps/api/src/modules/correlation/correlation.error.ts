/** Codes the correlation domain reports to clients (mapped to GraphQL error codes in one place). */
export type CorrelationErrorCode = 'UNKNOWN_PERFORMANCE_MEASURE' | 'BOOTSTRAP_TOO_LARGE' | 'REQUEST_TIMEOUT';

export class CorrelationError extends Error {
  constructor(
    readonly code: CorrelationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CorrelationError';
  }
}
