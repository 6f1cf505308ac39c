import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type DataSource } from 'typeorm';
import { formatError } from './errors';
import { GRAPHIQL_ASSETS, graphiqlPage } from './graphiql-page';
import { buildApiSchema } from './schema';

export interface ApiServerOptions {
  dataSource: DataSource;
  port: number;
  /** Interface to listen on (default 127.0.0.1: expose it deliberately). */
  host?: string;
  /** Serve the schema to introspection queries (default true; GraphiQL needs it). */
  introspection?: boolean;
}

export interface RunningApiServer {
  /** Base URL, e.g. `http://127.0.0.1:4000`; GraphQL is at `${url}/graphql`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the GraphQL API (`/graphql`) and the offline GraphiQL IDE (`/graphiql`). */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const app = express();
  const httpServer: Server = createServer(app);
  const apollo = new ApolloServer({
    schema: await buildApiSchema(options.dataSource),
    introspection: options.introspection ?? true,
    csrfPrevention: true,
    formatError,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
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
  app.get('/', (_req, res) => res.redirect('/graphiql'));
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => apollo.stop(),
  };
}
