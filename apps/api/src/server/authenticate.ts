import { GraphQLError } from 'graphql';
import { AuthError } from '../modules/auth/auth.error';
import { type ApiContext } from './context';
import { type ApiServices } from './schema';

/**
 * The caller of a request, or a 401 error: a bad token is always refused, a missing one only without anonymous reads.
 * Shared by `/graphql` and the multipart `/import` endpoint, so both accept exactly the same tokens.
 */
export async function authenticate(services: ApiServices, header: string | undefined, anonymousRead: boolean): Promise<ApiContext['caller']> {
  const refuse = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  if (!header) {
    if (anonymousRead) return { role: 'anonymous', name: 'anonymous' };
    throw refuse('this server needs an API token: send Authorization: Bearer <token> (create one with `transferscope token create`)');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw refuse('the Authorization header must be "Bearer <token>"');
  try {
    return await services.tokens.authenticate(match[1]!);
  } catch (error) {
    if (error instanceof AuthError) throw refuse(error.message);
    throw error;
  }
}
