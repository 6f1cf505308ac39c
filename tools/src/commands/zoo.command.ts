import { convertZoo, formatErrors, loadZooManifest, ONNX_TOLERANCE, selectBackend, zooVerificationImages, type ZooConversionRow } from '@transferscope/compute';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf } from '../cli/context';
import { renderTable } from '../cli/table';

function writer(command: Command): (text: string) => void {
  const out = command.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
  return (text) => out(`${text}\n`);
}

function formatRows(rows: ZooConversionRow[]): string {
  return renderTable(
    ['model', 'status', 'max relative error vs tfjs', 'seconds', 'file / reason'],
    rows.map((r) =>
      'conversion' in r
        ? [r.id, r.status, formatErrors(r.conversion.verification), r.conversion.seconds.toFixed(1), r.conversion.path]
        : [r.id, r.status, null, null, r.reason],
    ),
  );
}

/** `transferscope zoo convert --to onnx <model-id|all>`: ONNX conversions of the zoo, verified against tfjs. */
export function registerZooCommand(program: Command): void {
  const zoo = program.command('zoo').description('The model zoo: conversions');
  zoo
    .command('convert <model...>')
    .description(`Convert zoo models (ids, or "all") to ONNX, cached in <home>/onnx/<weightsHash>.onnx; each is verified on real images (max relative error <= ${ONNX_TOLERANCE})`)
    .requiredOption('--to <format>', 'target format (onnx)')
    .option('--images <file...>', "images to verify on (default: the zoo's verification images)")
    .option('--threads <n>', 'onnxruntime threads for the verification run', '1')
    .option('--force', 'convert again even when a verified conversion is cached')
    .action(async (ids: string[], options: { to: string; images?: string[]; threads: string; force?: boolean }, command: Command) => {
      if (options.to !== 'onnx') throw new CliUsageError(`--to ${options.to}: only "onnx" is supported`);
      const threads = Number(options.threads);
      if (!Number.isInteger(threads) || threads < 1) throw new CliUsageError(`--threads ${options.threads} must be a positive integer`);
      const config = configOf(command);
      if (config.zoo === null) throw new CliUsageError('no model zoo configured: pass --zoo <dir> or set TRANSFERSCOPE_ZOO');
      const manifest = await loadZooManifest({ zoo: config.zoo });
      const all = ids.length === 1 && ids[0] === 'all';
      const known = new Set(manifest.models.map((m) => m.id));
      const unknown = all ? [] : ids.filter((id) => !known.has(id));
      if (unknown.length) throw new CliUsageError(`unknown model(s) ${unknown.join(', ')}; the zoo has ${[...known].join(', ')}`);
      const verifyImages = options.images ?? (await zooVerificationImages(manifest));
      const print = writer(command);
      // The tfjs reference of the verification runs on the best available tfjs backend.
      await selectBackend('auto', { log: (line) => print(line) });
      const rows = await convertZoo(manifest, all ? 'all' : ids, { home: config.home, verifyImages, threads, force: options.force, log: print });
      print(formatRows(rows));
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
