import { startApiServer } from '@transferscope/api';
import { openDatabase } from '@transferscope/db';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf, databaseTarget, describeTarget } from '../cli/context';

/** `transferscope serve`: the GraphQL API and its offline IDE, until interrupted. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the GraphQL API at /graphql (GraphiQL at /graphiql)')
    .option('--port <port>', 'TCP port (0 = any free port)', '4000')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(async (options: { port: string; host: string }, command: Command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port ${options.port} is not a TCP port (0-65535)`);
      const config = configOf(command);
      const db = await openDatabase(databaseTarget(config));
      const server = await startApiServer({ dataSource: db.dataSource, port, host: options.host });
      console.log(JSON.stringify({ event: 'listening', url: `${server.url}/graphql`, ide: `${server.url}/graphiql`, database: describeTarget(config) }));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await db.close();
    });
}
