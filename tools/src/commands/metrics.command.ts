import { PluginError, validatePlugin, type MetricDefinition, type MetricKind } from '@transferscope/metrics';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf } from '../cli/context';
import { metricRegistry } from '../config';
import { renderTable } from '../cli/table';

/** `transferscope metrics list|validate`: the metric registry, built-ins and configured plugins. */
export function registerMetricsCommand(program: Command): void {
  const metrics = program.command('metrics').description('The metric registry: built-in scores and plugins');

  metrics
    .command('list')
    .description('Every registered metric with its metadata (built-ins and the configured plugins)')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const registry = await metricRegistry(configOf(command));
      const rows = registry.list().map(describe);
      if (options.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(
        renderTable(
          ['id', 'variant', 'version', 'direction', 'inputs', 'kind', 'pool-relative', 'paper'],
          rows.map((m) => [
            m.id,
            m.variant,
            m.version,
            m.direction,
            m.requires.map((r) => (r === 'modelMetadata' && m.metadata ? `modelMetadata(${m.metadata.join(',')})` : r)).join('+'),
            m.kind,
            m.poolRelative ? 'yes' : 'no',
            `${m.paper.authors[0] ?? ''} ${m.paper.year}, ${m.paper.venue}`,
          ]),
        ),
      );
    });

  metrics
    .command('validate <plugin>')
    .description("Load a plugin module and check each metric against the registry's invariants (bounds, separation)")
    .option('--json', 'print the reports as JSON')
    .action(async (plugin: string, options: { json?: boolean }) => {
      const reports = await asUsage(() => validatePlugin(plugin));
      if (options.json) console.log(JSON.stringify(reports, null, 2));
      else {
        for (const report of reports) {
          console.log(`${report.passed ? 'PASS' : 'FAIL'} ${report.metric}`);
          for (const check of report.checks) console.log(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? `: ${check.detail}` : ''}`);
        }
      }
      if (reports.some((report) => !report.passed)) process.exitCode = 2;
    });
}

/** The metadata of a metric; `kind` defaults to `score`, `metadata` (model fields read) only where it has some. */
function describe(metric: MetricDefinition): Omit<MetricDefinition, 'compute' | 'relativise' | 'kind'> & { kind: MetricKind } {
  const { id, variant, version, paper, direction, requires, poolRelative, metadata } = metric;
  return { id, variant, version, paper, direction, requires, ...(metadata ? { metadata } : {}), kind: metric.kind ?? 'score', poolRelative };
}

/** A plugin that cannot be loaded is bad input (exit code 2), not an internal error. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PluginError) throw new CliUsageError(error.message);
    throw error;
  }
}
