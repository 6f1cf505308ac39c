import { ImportError } from '@transferscope/db';
import { type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AuthError } from '../modules/auth/auth.error';
import { BrowseError } from '../modules/browse/browse.error';
import { CorrelationError } from '../modules/correlation/correlation.error';
import { RegistrationError } from '../modules/registration/registration.error';
import { ResultsError } from '../modules/results/results.error';

/** Domain errors whose code and message are meant for clients. */
const DOMAIN_ERRORS = [CorrelationError, AuthError, BrowseError, ResultsError, RegistrationError] as const;

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
  // Postgres text cannot hold a NUL character (22021): the client sent one in a string argument.
  if ((original as { driverError?: { code?: unknown } } | null)?.driverError?.code === '22021') {
    return { message: 'a string argument contains a NUL character (\\u0000), which the database cannot store or match', locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const code = formatted.extensions?.['code'];
  if (code === 'INTERNAL_SERVER_ERROR') return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code } };
  return formatted;
}
