import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DataSource } from 'typeorm';
import { createUploadRouter } from '../modules/uploads/upload.router';
import { authenticate } from './authenticate';
import { type ApiContext } from './context';
import { DASHBOARD_ASSETS, dashboardPage } from './dashboard-page';
import { formatError } from './errors';
import { GRAPHIQL_ASSETS, graphiqlPage } from './graphiql-page';
import { graphqlHandler } from './graphql-handler';
import { createLoaders } from './loaders';
import { readChangeVersion } from './result-cache';
import { plainListPlugin } from './plain-list-plugin';
import { DEFAULT_QUERY_LIMITS, queryLimitsPlugin, type QueryLimits } from './query-limits';
import { buildApiSchema, createServices, DEFAULT_SERVICE_LIMITS, type ApiServices, type ServiceLimits } from './schema';

/** Every limit a request is held to. */
export interface ApiLimits extends QueryLimits, ServiceLimits {
  /** Wall-clock budget of one request, in milliseconds. */
  requestTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { ...DEFAULT_QUERY_LIMITS, ...DEFAULT_SERVICE_LIMITS, requestTimeoutMs: 30_000 };

export interface ApiServerOptions {
  dataSource: DataSource;
  port: number;
  /** Interface to listen on (default 127.0.0.1: expose it deliberately). */
  host?: string;
  /** Serve the schema to introspection queries (default true; GraphiQL and the dashboard's IDE need it). */
  introspection?: boolean;
  /**
   * Answer read queries without a token (default false). `transferscope serve` turns it on for the embedded
   * database (one user, one machine) and leaves it off for a shared `DATABASE_URL`, unless told otherwise.
   */
  anonymousRead?: boolean;
  limits?: Partial<ApiLimits>;
}

export interface RunningApiServer {
  /** Base URL, e.g. `http://127.0.0.1:4000`; GraphQL is at `${url}/graphql`. */
  url: string;
  /** The services behind the schema (the tests read the correlation cache's statistics). */
  services: ApiServices;
  close(): Promise<void>;
}

/**
 * Starts the GraphQL API (`/graphql`), the multipart results upload (`POST /import`), the offline GraphiQL IDE
 * (`/graphiql`) and the dashboard (`/dashboard`).
 */
/** Root fields answered without per-field execution (their item types are plain data; see plain-list-plugin.ts). */
export const PLAIN_LIST_ROOT_FIELDS = ['correlations', 'correlationPairs'] as const;

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const anonymousRead = options.anonymousRead ?? false;
  const services = createServices(options.dataSource, limits);
  const app = express();
  const httpServer: Server = createServer(app);
  const apollo = new ApolloServer<ApiContext>({
    schema: await buildApiSchema(services),
    introspection: options.introspection ?? true,
    // Refuses simple (form/GET) cross-site requests that carry no JSON content type or preflight header.
    csrfPrevention: true,
    // Stack traces name files and SQL; clients get codes and messages only.
    includeStacktraceInErrorResponses: false,
    formatError,
    // No HTTP cache hints are set anywhere; the plugin would only cost time on every field of every answer.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), queryLimitsPlugin(limits), plainListPlugin(PLAIN_LIST_ROOT_FIELDS)],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.get('/graphiql', (_req, res) => {
    res.type('html').send(graphiqlPage('/graphql', '/graphiql/assets'));
  });
  app.get('/graphiql/assets/:name', (req, res) => {
    const asset = GRAPHIQL_ASSETS[req.params.name];
    if (!asset) {
      res.sendStatus(404);
      return;
    }
    res.type(asset.type).sendFile(asset.path);
  });
  app.get('/dashboard', (_req, res) => {
    res.type('html').send(dashboardPage('/graphql', '/dashboard/assets'));
  });
  app.get('/dashboard/assets/:name', (req, res) => {
    const asset = DASHBOARD_ASSETS[req.params.name];
    if (!asset) {
      res.sendStatus(404);
      return;
    }
    res.type(asset.type).sendFile(asset.path);
  });
  app.get('/', (_req, res) => res.redirect('/dashboard'));

  // A request that outlives its budget gets a clear 503 instead of hanging; long computations also check the deadline.
  const timeout = (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setTimeout(limits.requestTimeoutMs, () => {
      if (!res.headersSent) {
        res.status(503).json({ errors: [{ message: `request timed out after ${limits.requestTimeoutMs} ms`, extensions: { code: 'REQUEST_TIMEOUT' } }] });
      }
    });
    next();
  };
  // Uploads arrive as JSON strings: room for two files at the upload limit plus the query.
  const bodyLimit = 2 * limits.maxUploadBytes + 1024 * 1024;
  // One authentication per request, shared by the response cache's check and the context.
  const callers = new WeakMap<express.Request, Promise<ApiContext['caller']>>();
  const callerOf = (req: express.Request): Promise<ApiContext['caller']> => {
    let caller = callers.get(req);
    if (!caller) {
      caller = authenticate(services, req.headers.authorization, anonymousRead);
      caller.catch(() => undefined);
      callers.set(req, caller);
    }
    return caller;
  };
  app.use(
    '/graphql',
    timeout,
    express.json({ limit: bodyLimit }),
    graphqlHandler(apollo, {
      context: async (req) => ({
        caller: await callerOf(req),
        deadline: Date.now() + limits.requestTimeoutMs,
        loaders: createLoaders(services.browse),
      }),
      mayRead: callerOf,
      changeVersion: () => readChangeVersion(options.dataSource),
      entries: limits.cacheEntries,
    }),
  );

  // Results files as multipart/form-data (writer): the same importers as the `importResults` mutation.
  app.use(
    '/import',
    timeout,
    createUploadRouter({ results: services.results, authenticate: (header) => authenticate(services, header, anonymousRead), maxUploadBytes: limits.maxUploadBytes }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    services,
    close: () => apollo.stop(),
  };
}
