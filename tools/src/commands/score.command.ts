import { readFileSync } from 'node:fs';
import {
  labelsFromJson,
  labelsFromNpy,
  matrixFromNpy,
  MetricInputError,
  NpyError,
  parseMetricList,
  parseNpy,
  parseNpz,
  PluginError,
  scoreAll,
  scoreResultJson,
  type ScoreInput,
} from '@transferscope/metrics';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf } from '../cli/context';
import { metricRegistry } from '../config';
import { renderTable } from '../cli/table';

interface ScoreOptions {
  features: string;
  labels: string;
  predictions?: string;
  metrics: string;
  json?: boolean;
  seed?: string;
  nleepInit?: string;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliUsageError(`cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * One array from `file.npy`, or from `file.npz[:member]`: the named member, else the member called `conventional`
 * (`features`, `labels`, `predictions`), else the archive's only member.
 */
function npy(spec: string, what: string, conventional: string) {
  const npz = /^(.*\.npz)(?::([^:/\\]+))?$/i.exec(spec);
  const path = npz ? npz[1]! : spec;
  try {
    if (!npz) return parseNpy(readFile(path, what));
    const arrays = parseNpz(readFile(path, what));
    const member = npz[2] ?? (arrays.has(conventional) ? conventional : arrays.size === 1 ? [...arrays.keys()][0]! : undefined);
    const found = member === undefined ? undefined : arrays.get(member);
    if (!found) {
      throw new CliUsageError(
        `${what} ${path}: no array ${member ? `'${member}'` : `'${conventional}'`} in the archive (it holds ${[...arrays.keys()].join(', ')}); name one as ${path}:<name>`,
      );
    }
    return found;
  } catch (e) {
    if (e instanceof NpyError) throw new CliUsageError(`${what} ${path}: ${e.message}`);
    throw e;
  }
}

function readLabels(spec: string, what = '--labels'): Int32Array {
  return spec.toLowerCase().endsWith('.json') ? labelsFromJson(readFile(spec, what).toString('utf8')) : labelsFromNpy(npy(spec, what, 'labels'));
}

/** Reads the command's files into a ScoreInput (features and predictions .npy/.npz; labels .npy/.npz or .json). */
function readInputs(o: ScoreOptions): ScoreInput {
  const features = matrixFromNpy(npy(o.features, '--features', 'features'), 'features');
  const labels = readLabels(o.labels);
  const sourceProbabilities = o.predictions ? matrixFromNpy(npy(o.predictions, '--predictions', 'predictions'), 'predictions') : undefined;
  return { features, labels, sourceProbabilities };
}

/**
 * `transferscope score`: the transferability scores of one feature matrix (NumPy .npy, float32/float64, C order) against
 * target labels, optionally with the source head's softmax outputs for LEEP/NCE. Plugins come from `--plugin`,
 * TRANSFERSCOPE_PLUGINS or the config file. Bad input exits with code 2 and a one-line message.
 */
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('Transferability scores (H-score, Reg. H-score, LEEP, N-LEEP, NCE, GBC, LogME, plugins) of features against labels')
    .requiredOption('--features <file>', 'N x D features: .npy (float32/float64, C order) or file.npz[:name] (default member "features")')
    .requiredOption('--labels <file>', 'N target labels in 0..C-1: .npy, file.npz[:name] (default "labels"), or .json (an array)')
    .option('--predictions <file>', 'N x Cs source-head softmax outputs, .npy or file.npz[:name] (enables LEEP and NCE)')
    .option('--metrics <ids>', 'all, or comma-separated metric ids', 'all')
    .option('--seed <n>', 'seed of randomised steps (N-LEEP k-means)', '42')
    .option('--nleep-init <labels>', 'replay N-LEEP from these k-means labels (.npy or .json) instead of seeding k-means')
    .option('--json', 'print { "<id>": value, ..., "seconds": {...}, "skipped": {...} }')
    .action(async (options: ScoreOptions, command: Command) => {
      const seed = Number(options.seed);
      if (!Number.isInteger(seed)) throw new CliUsageError(`--seed must be an integer, got ${options.seed}`);
      try {
        const registry = await metricRegistry(configOf(command));
        const nleep = options.nleepInit ? { initLabels: readLabels(options.nleepInit, '--nleep-init') } : {};
        const result = await scoreAll(readInputs(options), parseMetricList(options.metrics), { registry, seed, options: { nleep } });
        if (options.json) {
          console.log(JSON.stringify(scoreResultJson(result), null, 2));
          return;
        }
        const rows = Object.entries(result.values).map(([id, v]) => [id, v.toPrecision(10), result.seconds[id].toFixed(3)]);
        const skipped = Object.entries(result.skipped).map(([id, why]) => [id, 'skipped', why]);
        console.log(renderTable(['metric', 'value', 'seconds'], [...rows, ...skipped]));
      } catch (e) {
        if (e instanceof MetricInputError || e instanceof PluginError) throw new CliUsageError(e.message);
        throw e;
      }
    });
}
