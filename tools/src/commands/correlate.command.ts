import { BootstrapIntervalKind, CorrelationMethod, CorrelationService, type Correlation } from '@transferscope/api';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf, withDatabase } from '../cli/context';
import { fixed, renderTable } from '../cli/table';

const list = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);

/** `transferscope correlate`: the same rows as the GraphQL `correlations` query, as a table or JSON. */
export function registerCorrelateCommand(program: Command): void {
  program
    .command('correlate')
    .description('Rank correlation of each score with a performance measure, per (study, dataset, metric)')
    .option('--study <names>', 'comma-separated study names (default: all)', list)
    .option('--dataset <names>', 'comma-separated dataset names (default: all)', list)
    .option('--metric <ids>', 'comma-separated metric ids (default: all)', list)
    .option('--method <method>', `one of ${Object.values(CorrelationMethod).join(', ')}`, CorrelationMethod.KENDALL_TAU_B)
    .option('--performance <measure>', 'evaluation measure', 'test_balanced_accuracy')
    .option('--bootstrap <resamples>', 'add a 95% percentile bootstrap interval from this many paired resamples')
    .option('--seed <seed>', 'seed of the bootstrap resampling', '0')
    .option('--json', 'print the rows as JSON (the GraphQL shape)')
    .action(async (options: { study?: string[]; dataset?: string[]; metric?: string[]; method: string; performance: string; bootstrap?: string; seed: string; json?: boolean }, command: Command) => {
      const resamples = options.bootstrap === undefined ? null : Number(options.bootstrap);
      if (resamples !== null && (!Number.isInteger(resamples) || resamples < 1)) throw new CliUsageError(`--bootstrap ${options.bootstrap} must be a positive integer`);
      const seed = Number(options.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new CliUsageError(`--seed ${options.seed} must be a non-negative integer`);
      const method = Object.values(CorrelationMethod).find((m) => m === options.method.toUpperCase());
      if (!method) throw new CliUsageError(`--method ${options.method} is not one of ${Object.values(CorrelationMethod).join(', ')}`);
      const rows = await withDatabase(configOf(command), (db) =>
        new CorrelationService(db.dataSource).correlations({
          studies: options.study,
          datasets: options.dataset,
          metrics: options.metric,
          method,
          performance: options.performance,
          bootstrap: resamples === null ? null : { resamples, seed, interval: BootstrapIntervalKind.PERCENTILE, level: 0.95 },
        }),
      );
      if (options.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(formatCorrelations(rows));
    });
}

/** The rows as a table, then a dataset x metric matrix of the coefficient per study (the layout of the study's Fig. 3). */
export function formatCorrelations(rows: Correlation[]): string {
  if (rows.length === 0) return 'No (study, dataset, metric) has both scores and that performance measure.';
  const withIntervals = rows.some((r) => r.ciLow !== null && r.ciLow !== undefined);
  const table = renderTable(
    ['study', 'dataset', 'metric', 'method', 'value', ...(withIntervals ? ['ciLow', 'ciHigh'] : []), 'pValue', 'n'],
    rows.map((r) => [r.study, r.dataset, r.metric, r.method, fixed(r.value, 4), ...(withIntervals ? [fixed(r.ciLow ?? null, 3), fixed(r.ciHigh ?? null, 3)] : []), fixed(r.pValue, 4), r.n]),
  );
  const matrices = [...new Set(rows.map((r) => r.study))].map((study) => {
    const ofStudy = rows.filter((r) => r.study === study);
    const metrics = [...new Set(ofStudy.map((r) => r.metric))];
    const datasets = [...new Set(ofStudy.map((r) => r.dataset))];
    const value = (dataset: string, metric: string) => ofStudy.find((r) => r.dataset === dataset && r.metric === metric)?.value ?? null;
    return `${study}: ${ofStudy[0]!.method} against ${ofStudy[0]!.performance}\n` + renderTable(['dataset', ...metrics], datasets.map((d) => [d, ...metrics.map((m) => fixed(value(d, m), 3))]));
  });
  return [table, '', ...matrices].join('\n');
}
