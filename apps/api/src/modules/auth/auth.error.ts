/** Codes the access layer reports to clients (mapped to GraphQL error codes and HTTP statuses in one place). */
export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'TOKEN_NAME_TAKEN' | 'UNKNOWN_TOKEN';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
