import { basename, extname, resolve } from 'node:path';
import {
  auditDefinition,
  auditManifests,
  BUILTIN_DATASET_IDS,
  DatasetError,
  DatasetRegistry,
  formatAuditReport,
  loadCsvManifest,
  loadDefinitionFile,
  type AuditReport,
  type AuditRunOptions,
  type DatasetListing,
  type RegistryOptions,
} from '@transferscope/datasets';
import { type Command } from 'commander';
import { CliUsageError } from '../cli/cli-error';
import { configOf } from '../cli/context';
import { renderTable } from '../cli/table';
import { type TransferscopeConfig } from '../config';

/**
 * Where the built-in datasets are, from the resolved configuration: the study's split CSVs
 * (`paperData`), the images shipped next to the model zoo (`<zoo>/../datasets`) and the data root
 * of the study's images (`dataRoot`, default the zoo's datasets folder).
 */
export function registryOptionsOf(config: TransferscopeConfig): RegistryOptions {
  return {
    paperDataDir: config.paperData ?? undefined,
    zooDatasetsDir: config.zoo === null ? undefined : resolve(config.zoo, '..', 'datasets'),
    dataRoot: config.dataRoot ?? undefined,
  };
}

/** Write through commander's configured output (so tests and embedding programs can capture it). */
function writer(command: Command): (text: string) => void {
  const out = command.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
  return (text) => out(`${text}\n`);
}

/** Dataset errors are bad input: one line, exit code 2. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DatasetError) throw new CliUsageError(e.message);
    throw e;
  }
}

function formatListing(rows: DatasetListing[]): string {
  return renderTable(
    ['id', 'role', 'ood', 'classes', 'splits', 'available'],
    rows.map((r) => [
      r.id,
      r.role ?? null,
      r.ood ?? null,
      r.classes.length || null,
      Object.entries(r.splits)
        .map(([s, n]) => `${s} ${n ?? '?'}`)
        .join(', ') || null,
      r.available ? 'yes' : `no: ${r.reason ?? ''}`,
    ]),
  );
}

interface AuditCliOptions {
  json?: boolean;
  dataRoot?: string;
  nearThreshold: string;
  headerOnly?: boolean;
  concurrency: string;
}

function positiveInt(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`${flag} must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

/**
 * Audit a registered dataset id, a definition file (.json/.yaml/.yml) or one split CSV.
 * Data root: `--data-root` on the command wins; a definition otherwise uses its own root (then the
 * configured one); a bare CSV needs `--data-root` or the configured data root.
 */
async function runAudit(target: string, options: AuditCliOptions, config: TransferscopeConfig): Promise<AuditReport> {
  const run: AuditRunOptions = {
    nearThreshold: positiveInt(options.nearThreshold, '--near-threshold', 0, 64),
    concurrency: positiveInt(options.concurrency, '--concurrency', 1, 64),
    depth: options.headerOnly ? 'header' : 'full',
  };
  const explicitRoot = options.dataRoot === undefined ? undefined : resolve(options.dataRoot);
  const registry = DatasetRegistry.builtin({ ...registryOptionsOf(config), ...(explicitRoot ? { dataRoot: explicitRoot } : {}) });
  const ext = extname(target).toLowerCase();
  // A built-in the configuration cannot locate gets the registry's reason (which setting is missing).
  if (registry.has(target) || (BUILTIN_DATASET_IDS as readonly string[]).includes(target)) return auditDefinition(registry.get(target), run);
  if (['.json', '.yaml', '.yml'].includes(ext)) {
    const def = await loadDefinitionFile(target);
    const dataRoot = explicitRoot ?? (def.dataRoot === undefined ? (config.dataRoot ?? undefined) : undefined);
    return auditDefinition(def, { ...run, dataRoot });
  }
  if (ext === '.csv') {
    const dataRoot = explicitRoot ?? config.dataRoot;
    if (dataRoot === null) {
      throw new CliUsageError(`${resolve(target)}: a CSV's image paths need a data root: pass --data-root DIR or set TRANSFERSCOPE_DATA_ROOT`);
    }
    const manifest = await loadCsvManifest(target, { dataRoot });
    return auditManifests(basename(target, extname(target)), manifest.classes, [{ name: basename(target, extname(target)), manifest }], run);
  }
  throw new CliUsageError(`"${target}" is neither a known dataset id (${registry.ids().join(', ')}) nor a .json/.yaml/.yml definition or .csv split`);
}

/** `transferscope dataset list|audit`: the dataset registry and the dataset audit. */
export function registerDatasetCommand(program: Command): void {
  const dataset = program.command('dataset').description('Dataset registry and audit (counts, duplicates, leakage between splits)');

  dataset
    .command('list')
    .description('List the built-in datasets, their splits and whether their images are here')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const registry = DatasetRegistry.builtin(registryOptionsOf(configOf(command)));
      const rows = await registry.list();
      writer(command)(options.json ? JSON.stringify(rows, null, 2) : formatListing(rows));
    });

  dataset
    .command('audit')
    .description('Audit a dataset: per-class counts, image properties, unreadable files, exact and near duplicates, leakage per split pair')
    .argument('<target>', 'a dataset id (see `dataset list`), a definition file (.json/.yaml/.yml) or a split CSV')
    .option('--json', 'print the full report as JSON')
    .option('--data-root <dir>', 'folder the image paths resolve against (overrides the definition and TRANSFERSCOPE_DATA_ROOT)')
    .option('--near-threshold <bits>', 'largest dHash Hamming distance (of 64 bits) counted as a near-duplicate', '4')
    .option('--header-only', 'read image headers only: fast; no near-duplicates, no truncation check')
    .option('--concurrency <n>', 'files read at once', '4')
    .action(async (target: string, options: AuditCliOptions, command: Command) => {
      const report = await asUsage(() => runAudit(target, options, configOf(command)));
      writer(command)(options.json ? JSON.stringify(report, null, 2) : formatAuditReport(report));
    });
}
