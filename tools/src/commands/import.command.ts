import { importLongResults, importStudyResults, type ImportSummary } from '@transferscope/db';
import { type Command } from 'commander';
import { configOf, describeTarget, withDatabase } from '../cli/context';

/** `transferscope import study-results|long`: published results into the results database. */
export function registerImportCommand(program: Command): void {
  const importCommand = program.command('import').description('Import published results (transactional: a bad row rejects the whole file)');

  importCommand
    .command('study-results')
    .description("Import the study's task_performances.csv + transf_metrics_values.csv")
    .requiredOption('--study <name>', 'study to import into (created if new)')
    .requiredOption('--performances <csv>', 'task,model,val_acc_score,test_acc_score')
    .requiredOption('--scores <csv>', 'task,model,metric,value')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { study: string; performances: string; scores: string; json?: boolean }, command: Command) => {
      const config = configOf(command);
      const summary = await withDatabase(config, (db) =>
        importStudyResults(db.dataSource, options.study, { performances: { path: options.performances }, scores: { path: options.scores } }),
      );
      printSummary(summary, describeTarget(config), options.json);
    });

  importCommand
    .command('long')
    .description('Import a long-format file: dataset,model,test_score,classes,transf_metric,transf_score')
    .requiredOption('--study <name>', 'study to import into (created if new)')
    .requiredOption('--file <csv>', 'the long-format CSV')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { study: string; file: string; json?: boolean }, command: Command) => {
      const config = configOf(command);
      const summary = await withDatabase(config, (db) => importLongResults(db.dataSource, options.study, { path: options.file }));
      printSummary(summary, describeTarget(config), options.json);
    });
}

function printSummary(summary: ImportSummary, target: string, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  const counts = (c: ImportSummary['scores']) => `${c.inserted} new, ${c.updated} updated, ${c.unchanged} unchanged`;
  console.log(`Imported into study "${summary.study}"${summary.studyCreated ? ' (new)' : ''} in the ${target}`);
  console.log(`  scores:      ${counts(summary.scores)}`);
  console.log(`  evaluations: ${counts(summary.evaluations)}`);
  console.log(`  ${summary.datasets.length} datasets, ${summary.models.length} models, ${summary.metrics.length} metrics (${summary.metrics.join(', ')})`);
}
