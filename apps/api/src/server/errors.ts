import { ImportError } from '@transferscope/db';
import { type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { CorrelationError } from '../modules/correlation/correlation.error';

/**
 * The one place domain errors become GraphQL errors: a stable `extensions.code` per error type. Anything else is an
 * internal error whose message is not shown to clients (it may carry SQL or paths).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof CorrelationError) return { ...formatted, extensions: { ...formatted.extensions, code: original.code } };
  if (original instanceof ImportError) {
    return { ...formatted, extensions: { ...formatted.extensions, code: original.code, file: original.file, line: original.line } };
  }
  const code = formatted.extensions?.['code'];
  if (code === 'INTERNAL_SERVER_ERROR') return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code } };
  return formatted;
}
