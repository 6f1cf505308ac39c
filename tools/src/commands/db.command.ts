import { migrate, revertLastMigration } from '@transferscope/db';
import { type Command } from 'commander';
import { configOf, describeTarget, withDatabase } from '../cli/context';

/** `transferscope db migrate|revert`: the schema of the results database. */
export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('Manage the results database schema');

  db.command('migrate')
    .description('Apply pending migrations (also done automatically whenever the database is opened)')
    .action(async (_options: unknown, command: Command) => {
      const config = configOf(command);
      const applied = await withDatabase(config, (database) => migrate(database.dataSource), { migrate: false });
      console.log(`Schema of the ${describeTarget(config)} is up to date${applied.length ? ` (applied ${applied.join(', ')})` : ''}.`);
    });

  db.command('revert')
    .description('Revert the most recent migration')
    .action(async (_options: unknown, command: Command) => {
      const config = configOf(command);
      await withDatabase(config, async (database) => {
        const [last] = await database.dataSource.query('SELECT name FROM schema_migration ORDER BY id DESC LIMIT 1');
        await revertLastMigration(database.dataSource);
        console.log(`Reverted ${last?.name ?? 'nothing'} in the ${describeTarget(config)}.`);
      }, { migrate: false });
    });
}

