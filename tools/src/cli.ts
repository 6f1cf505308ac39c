import { Command } from 'commander';
import { registerConfigCommand } from './commands/config.command';
import { registerCorrelateCommand } from './commands/correlate.command';
import { registerDatasetCommand } from './commands/dataset.command';
import { registerDbCommand } from './commands/db.command';
import { registerImportCommand } from './commands/import.command';
import { registerMetricsCommand } from './commands/metrics.command';
import { registerScoreCommand } from './commands/score.command';
import { registerServeCommand } from './commands/serve.command';
import { registerTokenCommand } from './commands/token.command';
import { registerZooCommand } from './commands/zoo.command';
import { registerStudyCommand, registerWorkerCommand } from './commands/study.command';
import { SETTINGS } from './config';

/** The `transferscope` command line: every command, with the global configuration flags. */
export function buildProgram(): Command {
  const program = new Command('transferscope')
    .description('Transferability estimation results: import, compute, correlate, serve')
    .option('--config <file>', 'config file (default: transferscope.config.{json,yaml,yml} in the working directory; env TRANSFERSCOPE_CONFIG)')
    .option('--plugin <module>', 'a metric plugin (package name or module path) to load; repeat for several (env TRANSFERSCOPE_PLUGINS, comma-separated; config file `plugins`)', (value: string, previous: string[]) => [...previous, value], [] as string[]);
  for (const setting of Object.values(SETTINGS)) {
    program.option(`${setting.flag} <${setting.path ? 'dir' : 'url'}>`, `${setting.help} (env ${setting.env})`);
  }
  program.showHelpAfterError().exitOverride();

  registerImportCommand(program);
  registerCorrelateCommand(program);
  registerDbCommand(program);
  registerServeCommand(program);
  registerTokenCommand(program);
  registerScoreCommand(program);
  registerMetricsCommand(program);
  registerDatasetCommand(program);
  registerStudyCommand(program);
  registerWorkerCommand(program);
  registerConfigCommand(program);
  registerZooCommand(program);
  return program;
}
