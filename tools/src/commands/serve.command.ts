import { startApiServer } from '@transferscope/api';
import { openDatabase } from '@transferscope/db';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf, databaseTarget, describeTarget } from '../cli/context';

/** `transferscope serve`: the GraphQL API, its offline IDE and the dashboard, until interrupted. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the GraphQL API at /graphql (GraphiQL at /graphiql, the dashboard at /dashboard)')
    .option('--port <port>', 'TCP port (0 = any free port)', '4000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--anonymous-read', 'answer read queries without a token (default: on for the embedded database, off with DATABASE_URL)')
    .option('--no-anonymous-read', 'require a token for every request, reads included')
    .option('--no-introspection', 'do not answer introspection queries (GraphiQL then cannot load the schema)')
    .action(async (options: { port: string; host: string; anonymousRead?: boolean; introspection: boolean }, command: Command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port ${options.port} is not a TCP port (0-65535)`);
      const config = configOf(command);
      const target = databaseTarget(config);
      // The embedded database is one person's; a shared Postgres holds a team's results and needs tokens by default.
      const anonymousRead = options.anonymousRead ?? target.kind === 'embedded';
      const db = await openDatabase(target);
      const server = await startApiServer({ dataSource: db.dataSource, port, host: options.host, anonymousRead, introspection: options.introspection });
      console.log(
        JSON.stringify({ event: 'listening', url: `${server.url}/graphql`, ide: `${server.url}/graphiql`, dashboard: `${server.url}/dashboard`, database: describeTarget(config), anonymousRead }),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await db.close();
    });
}
