import { API_TOKEN_ROLES, ApiTokenService, AuthError } from '@transferscope/api';
import { type ApiTokenRole } from '@transferscope/db';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf, describeTarget, withDatabase } from '../cli/context';
import { renderTable } from '../cli/table';

/** Runs `work`, reporting the access layer's refusals (name taken, unknown token) as bad input. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AuthError) throw new CliUsageError(error.message);
    throw error;
  }
}

/** `transferscope token create|list|revoke`: API tokens for `transferscope serve` (stored hashed). */
export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Manage API tokens (roles: reader < writer < admin)');

  token
    .command('create')
    .description('Create a token and print its secret (shown only this once)')
    .requiredOption('--name <name>', 'who or what holds it, e.g. alice or nightly-import')
    .requiredOption('--role <role>', `one of ${API_TOKEN_ROLES.join(', ')}`)
    .option('--json', 'print { name, role, token } as JSON')
    .action(async (options: { name: string; role: string; json?: boolean }, command: Command) => {
      const role = API_TOKEN_ROLES.find((r) => r === options.role.toLowerCase());
      if (!role) throw new CliUsageError(`--role ${options.role} is not one of ${API_TOKEN_ROLES.join(', ')}`);
      const config = configOf(command);
      const created = await withDatabase(config, (db) => asUsage(() => new ApiTokenService(db.dataSource).create(options.name, role as ApiTokenRole)));
      if (options.json) {
        console.log(JSON.stringify({ name: created.apiToken.name, role: created.apiToken.role, token: created.token }));
        return;
      }
      console.log(`Created the ${role} token "${created.apiToken.name}" in the ${describeTarget(config)}. Its secret, shown only now:\n\n  ${created.token}\n`);
      console.log('Send it as the header  Authorization: Bearer <token>');
    });

  token
    .command('list')
    .description('List tokens (never their secrets)')
    .option('--json', 'print the tokens as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const rows = await withDatabase(configOf(command), (db) => new ApiTokenService(db.dataSource).list());
      if (options.json) {
        console.log(JSON.stringify(rows.map(({ secretSha256: _secret, ...row }) => row), null, 2));
        return;
      }
      console.log(renderTable(['name', 'role', 'created', 'last used', 'revoked'], rows.map((r) => [r.name, r.role, r.createdAt.toISOString(), r.lastUsedAt?.toISOString() ?? '', r.revokedAt?.toISOString() ?? ''])));
    });

  token
    .command('revoke')
    .description('Revoke a token by name; it stops working at once')
    .requiredOption('--name <name>', 'the token to revoke')
    .action(async (options: { name: string }, command: Command) => {
      const config = configOf(command);
      await withDatabase(config, (db) => asUsage(() => new ApiTokenService(db.dataSource).revoke(options.name)));
      console.log(`Revoked the token "${options.name}" in the ${describeTarget(config)}.`);
    });
}
