import { posix } from 'node:path';
import {
  addProjectConfiguration,
  generateFiles,
  getProjects,
  installPackagesTask,
  names,
  normalizePath,
  offsetFromRoot,
  readJson,
  updateJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';

/** Options of `nx g @transferscope/tools:metric` (see schema.json). */
export interface MetricGeneratorSchema {
  name: string;
  directory?: string;
  metricId?: string;
  direction?: 'higher' | 'lower';
}

/** What the templates are filled with, derived once from the options. */
export interface NormalizedMetricOptions {
  name: string;
  directory: string;
  projectName: string;
  packageName: string;
  metricId: string;
  /** camelCase name of the exported metric object (`classSeparability`). */
  constName: string;
  /** The name in words, for titles (`class separability`). */
  title: string;
  direction: 'higher' | 'lower';
}

/** Tag of every plugin project; eslint.config.mjs lets it depend on @transferscope/metrics only. */
export const PLUGIN_TAGS = ['type:plugin'];

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const METRIC_ID_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** A bad option, reported by Nx as one line. */
export class MetricGeneratorError extends Error {
  override readonly name = 'MetricGeneratorError';
}

export function normalizeOptions(tree: Tree, schema: MetricGeneratorSchema): NormalizedMetricOptions {
  const name = schema.name;
  if (!NAME_PATTERN.test(name)) throw new MetricGeneratorError(`plugin name "${name}" must be kebab-case (${NAME_PATTERN})`);
  const directory = normalizePath(schema.directory ?? `plugins/${name}`).replace(/^\.\/|\/$/g, '');
  if (directory.startsWith('../') || posix.isAbsolute(directory)) {
    throw new MetricGeneratorError(`--directory ${schema.directory} must be a folder inside the workspace`);
  }
  if (tree.exists(directory) && tree.children(directory).length > 0) {
    throw new MetricGeneratorError(`${directory} already exists and is not empty`);
  }
  const projectName = `plugin-${name}`;
  if (getProjects(tree).has(projectName)) throw new MetricGeneratorError(`a project named ${projectName} already exists`);
  const metricId = schema.metricId ?? name.replace(/-/g, '_');
  if (!METRIC_ID_PATTERN.test(metricId)) throw new MetricGeneratorError(`metric id "${metricId}" must match ${METRIC_ID_PATTERN}`);
  return {
    name,
    directory,
    projectName,
    packageName: `@transferscope/plugin-${name}`,
    metricId,
    constName: names(metricId).propertyName,
    title: name.replace(/-/g, ' '),
    direction: schema.direction ?? 'higher',
  };
}

/**
 * Scaffolds a metric plugin package: an ESM module exporting `metrics: MetricDefinition[]` (plain JavaScript with
 * JSDoc types, so `--plugin` and the config's `plugins` list load it without a build step), invariant tests, a
 * golden-fixture slot, a README and an Nx project tagged `type:plugin`. The placeholder metric passes
 * `transferscope metrics validate` as generated; the author replaces it and its doc comment.
 */
export async function metricGenerator(tree: Tree, schema: MetricGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  addProjectConfiguration(tree, options.projectName, {
    root: options.directory,
    projectType: 'library',
    sourceRoot: `${options.directory}/src`,
    tags: PLUGIN_TAGS,
    // build/test/lint come from nx.json's target defaults; the module is loaded as written, so there is no build.
    targets: { test: {}, lint: {} },
  });
  generateFiles(tree, posix.join(normalizePath(__dirname), 'files'), options.directory, {
    ...options,
    offset: offsetFromRoot(options.directory),
    tmpl: '',
  });
  addToWorkspaces(tree, options.directory);
  // npm links the new workspace package into node_modules, so a config can name it by package name.
  return () => installPackagesTask(tree, true);
}

/** Adds the folder to the root package.json workspaces unless a pattern already covers it; true when it changed. */
export function addToWorkspaces(tree: Tree, directory: string): boolean {
  if (!tree.exists('package.json')) return false;
  const workspaces = readJson<{ workspaces?: string[] }>(tree, 'package.json').workspaces ?? [];
  const covered = workspaces.some((pattern) => pattern === directory || (pattern.endsWith('/*') && posix.dirname(directory) === pattern.slice(0, -2)));
  if (covered) return false;
  updateJson<{ workspaces?: string[] }>(tree, 'package.json', (json) => ({ ...json, workspaces: [...(json.workspaces ?? []), directory] }));
  return true;
}

export default metricGenerator;
