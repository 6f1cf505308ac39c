/** Codes the browsing queries report to clients. */
export type BrowseErrorCode = 'BAD_CURSOR';

export class BrowseError extends Error {
  constructor(
    readonly code: BrowseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BrowseError';
  }
}
