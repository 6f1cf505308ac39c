import { ImportError } from '@transferscope/db';
import { type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AuthError } from '../modules/auth/auth.error';
import { BrowseError } from '../modules/browse/browse.error';
import { CorrelationError } from '../modules/correlation/correlation.error';
import { ResultsError } from '../modules/results/results.error';

/** Domain errors whose code and message are meant for clients. */
const DOMAIN_ERRORS = [CorrelationError, AuthError, BrowseError, ResultsError] as const;

/**
 * The one place domain errors become GraphQL errors: a stable `extensions.code` per error type. Anything else is an
 * internal error whose message is not shown to clients (it may carry SQL or paths).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (DOMAIN_ERRORS.some((type) => original instanceof type)) {
    return { ...formatted, extensions: { ...formatted.extensions, code: (original as { code: string }).code } };
  }
  if (original instanceof ImportError) {
    return { ...formatted, extensions: { ...formatted.extensions, code: original.code, file: original.file, line: original.line } };
  }
  const code = formatted.extensions?.['code'];
  if (code === 'INTERNAL_SERVER_ERROR') return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code } };
  return formatted;
}
