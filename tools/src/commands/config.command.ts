import { type Command } from 'commander';
import { PLUGINS_ENV, SETTINGS } from '../config';
import { configOf, describeTarget } from '../cli/context';

/** `transferscope config`: the resolved settings and where each came from. */
export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('Show the resolved configuration (flag > environment > config file > default)')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }, command: Command) => {
      const config = configOf(command);
      const shown = { ...config, databaseUrl: config.databaseUrl ? describeTarget(config) : null };
      if (options.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      console.log(`config file: ${config.configFile ?? '(none)'}`);
      for (const name of Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]) {
        console.log(`${name.padEnd(12)} ${String(shown[name] ?? '(unset)')}  [${config.sources[name]}; env ${SETTINGS[name].env}, flag ${SETTINGS[name].flag}]`);
      }
      console.log(`${'plugins'.padEnd(12)} ${config.plugins.join(', ') || '(none)'}  [${config.sources.plugins}; env ${PLUGINS_ENV}, flag --plugin]`);
    });
}
