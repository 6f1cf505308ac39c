import { BootstrapIntervalKind, CorrelationMethod, CorrelationService } from '@transferscope/api';
import {
  createProgressReporter,
  loadStudyDefinition,
  quickVariant,
  resolveStudy,
  runStudy,
  runWorker,
  selectBackend,
  studyStatus,
  type BackendRequest,
} from '@transferscope/compute';
import { openDatabase } from '@transferscope/db';
import { type Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { CliUsageError } from '../cli/cli-error';
import { configOf, databaseTarget, describeTarget, withDatabase } from '../cli/context';
import { metricRegistry, PLUGINS_ENV, type TransferscopeConfig } from '../config';
import { formatCorrelations } from './correlate.command';

/** Three small, different zoo models (three, so that tau is defined): what `--quick` runs when a study names every model. */
const QUICK_MODELS = ['darknet-tiny-imagenet', 'doodlenet-quickdraw345', 'mobilenetv2-035-imagenet'];

/** `transferscope study run|status`: the study pipeline. */
export function registerStudyCommand(program: Command): void {
  const study = program.command('study').description('Run a study: extract features, compute scores, run Halton trials, evaluate');

  study
    .command('run <file>')
    .description('Run (or resume) the study defined in a JSON/YAML file; ends by printing tau of each score against balanced accuracy')
    .option('--quick', 'the quick preset: two small models, a few images per class, 3 trials of 3 epochs (real images and models)')
    .option('--backend <backend>', 'auto (ONNX Runtime where the model converts, else tfjs) | onnx | tensorflow | wasm | cpu (overrides the study file)')
    .option('--no-work', 'only enqueue and wait: `transferscope worker` processes do the work')
    .option('--workers <n>', 'also start n-1 local `transferscope worker` processes (wasm runs one thread each: use one per core)', '1')
    .option('--json', 'print the final correlations as JSON')
    .action(async (file: string, options: { quick?: boolean; backend?: BackendRequest; work: boolean; workers: string; json?: boolean }, command: Command) => {
      const workers = Number(options.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new CliUsageError(`--workers ${options.workers} must be an integer in [1, 64]`);
      const config = configOf(command);
      const loaded = await loadStudyDefinition(file);
      const definition = options.quick ? quickVariant(loaded, QUICK_MODELS) : loaded;
      const resolved = await resolveStudy(definition, { dataRoot: config.dataRoot, zoo: config.zoo, paperData: config.paperData, metrics: await metricRegistry(config) });
      const progress = createProgressReporter();
      const backend = await selectBackend(options.backend ?? definition.backend, { log: (line) => progress.event('backend', { detail: line }) });
      const db = await openDatabase(databaseTarget(config));
      const helpers = startLocalWorkers(workers - 1, file, options, config);
      try {
        const summary = await runStudy({ dataSource: db.dataSource, databaseUrl: db.url, study: resolved, home: config.home, backend, progress, work: options.work });
        const correlations = await new CorrelationService(db.dataSource).correlations({
          studies: [summary.study],
          method: CorrelationMethod.KENDALL_TAU_B,
          performance: 'test_balanced_accuracy',
          // The follow-up benchmark's convention: 1,000 paired resamples, 95% percentile interval, fixed seed.
          bootstrap: { resamples: 1000, seed: 0, interval: BootstrapIntervalKind.PERCENTILE, level: 0.95 },
        });
        if (options.json) {
          console.log(JSON.stringify({ summary, correlations }, null, 2));
          return;
        }
        const datasets = new Map(resolved.pairs.flatMap((p) => [[p.id.id, 'ID'], ...(p.ood ? [[p.ood.id, 'OOD'] as const] : [])] as const));
        console.log(`\nStudy "${summary.study}": ${summary.units} units in ${Math.round(summary.seconds)} s (${summary.ranHere} here), backend ${backend.name}`);
        console.log('Kendall tau-b of each score against test balanced accuracy over the models, with 95% bootstrap CI (1,000 resamples, seed 0); ID = in-distribution test split, OOD = the OOD set:\n');
        console.log(formatCorrelations(correlations.map((row) => ({ ...row, dataset: `${row.dataset} (${datasets.get(row.dataset) ?? '?'})` }))));
        console.log(`\nFull results: the ${describeTarget(config)} (study "${summary.study}"); browse with \`transferscope serve\`, or \`transferscope correlate --study ${summary.study} --json\`.`);
        console.log(`Features are cached under ${config.home}/features.`);
      } finally {
        await stopLocalWorkers(helpers);
        await db.close();
      }
    });

  study
    .command('status <name>')
    .description("Progress of a study: units done per kind")
    .option('--json', 'print as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const status = await withDatabase(configOf(command), (db) => studyStatus(db.dataSource, name));
      if (options.json) {
        console.log(JSON.stringify(status, null, 2));
        return;
      }
      console.log(`study ${status.study}: ${status.featureSets} feature sets, ${status.scores.ok} scores (+${status.scores.skipped} skipped, ${status.scores.failed} failed), ` +
        `${status.trials.done}/${status.trials.total} trials done (${status.epochs} epochs), ${status.evaluations} evaluations`);
    });
}

/** `transferscope worker`: processes a study's units from the shared queue until interrupted or idle. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("Work on a study's queued units (several workers may share one Postgres)")
    .requiredOption('--study <file>', 'the study file (the same one `study run` was given)')
    .option('--quick', 'the study was run with --quick')
    .option('--backend <backend>', 'auto | onnx | tensorflow | wasm | cpu')
    .option('--idle-exit <seconds>', 'exit after this many seconds without work (default: run until interrupted)')
    .option('--exit-when-done', 'exit once every unit of the study is recorded')
    .action(async (options: { study: string; quick?: boolean; backend?: BackendRequest; idleExit?: string; exitWhenDone?: boolean }, command: Command) => {
      const config = configOf(command);
      const loaded = await loadStudyDefinition(options.study);
      const definition = options.quick ? quickVariant(loaded, QUICK_MODELS) : loaded;
      const resolved = await resolveStudy(definition, { dataRoot: config.dataRoot, zoo: config.zoo, paperData: config.paperData, metrics: await metricRegistry(config) });
      const progress = createProgressReporter();
      const backend = await selectBackend(options.backend ?? definition.backend, { log: (line) => progress.event('backend', { detail: line }) });
      const db = await openDatabase(databaseTarget(config));
      try {
        await runWorker({
          dataSource: db.dataSource,
          databaseUrl: db.url,
          study: resolved,
          home: config.home,
          backend,
          progress,
          idleExitSeconds: options.idleExit === undefined ? null : Number(options.idleExit),
          exitWhenDone: options.exitWhenDone === true,
        });
      } finally {
        await db.close();
      }
    });
}

/**
 * Local helpers for `study run --workers n`: ordinary `transferscope worker` processes on the same queue, given the
 * resolved settings through the environment (they join the embedded database this process runs).
 */
function startLocalWorkers(count: number, file: string, options: { quick?: boolean; backend?: string }, config: TransferscopeConfig): ChildProcess[] {
  const env: NodeJS.ProcessEnv = { ...process.env, TRANSFERSCOPE_HOME: config.home };
  if (config.databaseUrl) env['DATABASE_URL'] = config.databaseUrl;
  if (config.dataRoot) env['TRANSFERSCOPE_DATA_ROOT'] = config.dataRoot;
  if (config.zoo) env['TRANSFERSCOPE_ZOO'] = config.zoo;
  if (config.paperData) env['TRANSFERSCOPE_PAPER_DATA'] = config.paperData;
  // The same metric registry in every worker, whether the plugins came from a flag, the environment or the file.
  if (config.plugins.length > 0) env[PLUGINS_ENV] = config.plugins.join(',');
  const args = [process.argv[1]!, 'worker', '--study', file, ...(options.quick ? ['--quick'] : []), ...(options.backend ? ['--backend', options.backend] : [])];
  return Array.from({ length: count }, () => spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] }));
}

async function stopLocalWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}
