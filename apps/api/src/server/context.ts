import { type ApiTokenRole } from '@transferscope/db';
import { type RequestLoaders } from './loaders';

/** Who is asking: a token's role, or `anonymous` (read-only) where the server allows anonymous reads. */
export type CallerRole = 'anonymous' | ApiTokenRole;

/** Roles in increasing power; each can do everything the ones before it can. */
export const ROLE_RANK: Record<CallerRole, number> = { anonymous: 0, reader: 1, writer: 2, admin: 3 };

/** What every resolver receives: the caller, the request's deadline and its per-request DataLoaders. */
export interface ApiContext {
  caller: { role: CallerRole; name: string };
  /** Epoch milliseconds after which long computations stop with REQUEST_TIMEOUT. */
  deadline: number;
  loaders: RequestLoaders;
  /**
   * Set `uncacheable` when the answer must not be replayed from the response cache (e.g. a bootstrap without a
   * seed). An object, because Apollo hands resolvers a shallow copy of the context.
   */
  responseCache?: { uncacheable: boolean };
}
