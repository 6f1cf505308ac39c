import { HeaderMap, type ApolloServer } from '@apollo/server';
import type express from 'express';
import { Kind, OperationTypeNode, parse } from 'graphql';
import { type ApiContext } from './context';
import { ResultCache } from './result-cache';

/**
 * Root fields whose answer is a pure function of their arguments and the database's change version (and is the
 * same for every caller allowed to read): whole responses to queries made only of these can be replayed.
 */
const REPLAYABLE_ROOT_FIELDS = new Set(['correlations', 'correlationPairs', 'performanceMeasures', '__typename']);

interface CachedResponse {
  headers: [string, string][];
  /** The body as bytes: a hit encodes nothing. Only POST answers are kept, so there is no ETag (see below). */
  body: Buffer;
}

export interface GraphqlHandlerOptions {
  /** The request's context; may throw (e.g. a 401), which Apollo turns into the error response. */
  context: (req: express.Request) => Promise<ApiContext>;
  /** Resolves when the caller may read (the same check the context makes), rejects otherwise. */
  mayRead: (req: express.Request) => Promise<unknown>;
  /** The database's change version, read after the request arrived. */
  changeVersion: () => Promise<string>;
  /** Responses kept (0: none). */
  entries: number;
}

/**
 * The /graphql endpoint: Apollo behind a cache of whole HTTP responses. A repeated read of correlations (same query
 * text, operation name and variables) at an unchanged change version is answered with the bytes of the first
 * answer, without parsing, validating, executing or serialising again: on a 440-row answer those cost ~9 ms of CPU
 * per request (CPU profile of the cached benchmark), against well under 1 ms to send stored bytes. Only error-free
 * 200 answers to queries made only of {@link REPLAYABLE_ROOT_FIELDS} are kept, never one whose resolver marked the
 * request `uncacheable` (a bootstrap without a seed), and a hit needs a caller who may read, so auth behaves as before.
 * The version is read before the answer is computed, so a stored answer is never older than its key. Everything else
 * goes to Apollo exactly as `expressMiddleware` of @as-integrations/express5 would send it.
 */
export function graphqlHandler(apollo: ApolloServer<ApiContext>, options: GraphqlHandlerOptions): express.RequestHandler {
  const cache = options.entries > 0 ? new ResultCache<CachedResponse>(options.entries) : null;
  const replayable = new Map<string, boolean>();

  /** The cache key of a replayable request, or null. */
  const keyOf = (req: express.Request): string | null => {
    if (!cache || req.method !== 'POST' || !req.is('application/json')) return null;
    const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown } | undefined;
    if (!body || typeof body !== 'object' || typeof body.query !== 'string' || body.extensions !== undefined) return null;
    if (body.operationName !== undefined && body.operationName !== null && typeof body.operationName !== 'string') return null;
    if (body.variables !== undefined && body.variables !== null && (typeof body.variables !== 'object' || Array.isArray(body.variables))) return null;
    let ok = replayable.get(body.query);
    if (ok === undefined) {
      ok = isReplayable(body.query);
      if (replayable.size >= 1024) replayable.clear();
      replayable.set(body.query, ok);
    }
    // The Accept header picks the response's content type (application/json or application/graphql-response+json).
    return ok ? JSON.stringify([body.query, body.operationName ?? null, body.variables ?? null, req.headers.accept ?? '']) : null;
  };

  return async (req, res, next) => {
    try {
      if (!('body' in req)) {
        res.status(500).send('`req.body` is not set; the json middleware must run before the GraphQL handler.');
        return;
      }
      const key = keyOf(req);
      let version: string | null = null;
      if (key !== null && (await options.mayRead(req).then(() => true, () => false))) {
        // Database unreachable: no cache this time; Apollo answers (a JSON error without the connection's details).
        version = await options.changeVersion().catch(() => null);
        const hit = version === null ? undefined : cache!.get(key, version);
        if (hit) {
          // What an uncached POST is sent (see below), without any work.
          for (const [name, value] of hit.headers) res.setHeader(name, value);
          res.setHeader('Content-Length', hit.body.length);
          res.statusCode = 200;
          res.end(hit.body);
          return;
        }
      }

      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      let context: ApiContext | undefined;
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: new URL(req.url, 'http://localhost').search, body: req.body },
        context: async () => (context = { ...(await options.context(req)), responseCache: { uncacheable: false } }),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        const text = response.body.string;
        if (req.method === 'GET' || req.method === 'HEAD') {
          // res.send: its ETag, and 304 when the caller's If-None-Match matches it.
          res.send(text);
          return;
        }
        // Any other method (POST): what res.send sends, without the ETag it would hash from the whole body (8 ms
        // on the 7 MB all-studies answer): a POST is never answered 304 and its answer is not stored by HTTP caches
        // for conditional requests. Apollo sets the content type with its charset.
        const body = Buffer.from(text);
        if (key !== null && version !== null && res.statusCode === 200 && context?.responseCache && !context.responseCache.uncacheable && !text.includes('"errors"')) {
          cache!.set(key, version, { headers: [...response.headers], body });
        }
        res.setHeader('Content-Length', body.length);
        res.end(body);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      // Never Express's default HTML page with a stack trace: the same generic JSON error Apollo gives.
      if (res.headersSent) {
        next(error);
        return;
      }
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}

/** One query operation whose root selections are all replayable fields (no fragments at the root). */
function isReplayable(query: string): boolean {
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  if (document.definitions.length !== 1) return false;
  const [operation] = document.definitions;
  if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== OperationTypeNode.QUERY) return false;
  return operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && REPLAYABLE_ROOT_FIELDS.has(selection.name.value));
}

