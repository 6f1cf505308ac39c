import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_METRICS } from './builtins';
import { METRIC_INPUT_KINDS, METRIC_KINDS, MODEL_METADATA_FIELDS, type MetricDefinition } from './metric';

export type PluginErrorCode = 'plugin_not_found' | 'plugin_no_metrics' | 'invalid_metric' | 'duplicate_metric' | 'unknown_metric';

export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly code: PluginErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ID_PATTERN = /^[a-z][a-z0-9_-]*$/;
const VERSION_PATTERN = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Checks that `candidate` has the MetricDefinition shape; throws PluginError('invalid_metric') naming the first bad field.
 * `where` says where it came from (module and export) for the message.
 */
export function assertMetricDefinition(candidate: unknown, where = 'metric'): asserts candidate is MetricDefinition {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new PluginError('invalid_metric', `${where}: ${field} must be ${expected}, got ${JSON.stringify(got) ?? typeof got}`);
  };
  if (!isRecord(candidate)) fail('the metric', 'an object', candidate);
  const m = candidate as Record<string, unknown>;
  if (typeof m['id'] !== 'string' || !ID_PATTERN.test(m['id'])) fail('id', `a string matching ${ID_PATTERN}`, m['id']);
  if (typeof m['variant'] !== 'string' || m['variant'].length === 0) fail('variant', 'a non-empty string', m['variant']);
  if (typeof m['version'] !== 'string' || !VERSION_PATTERN.test(m['version'])) fail('version', 'a semver string like "1.0.0"', m['version']);
  const paper = m['paper'];
  if (!isRecord(paper)) fail('paper', 'an object {title, authors, venue, year, url}', paper);
  const p = paper as Record<string, unknown>;
  if (typeof p['title'] !== 'string' || p['title'].length === 0) fail('paper.title', 'a non-empty string', p['title']);
  if (!Array.isArray(p['authors']) || p['authors'].length === 0 || !p['authors'].every((a) => typeof a === 'string')) {
    fail('paper.authors', 'a non-empty array of strings', p['authors']);
  }
  if (typeof p['venue'] !== 'string') fail('paper.venue', 'a string', p['venue']);
  if (typeof p['year'] !== 'number' || !Number.isInteger(p['year'])) fail('paper.year', 'an integer', p['year']);
  if (typeof p['url'] !== 'string' || !/^https?:\/\//.test(p['url'])) fail('paper.url', 'an http(s) URL', p['url']);
  if (m['direction'] !== 'higher' && m['direction'] !== 'lower') fail('direction', '"higher" or "lower"', m['direction']);
  const req = m['requires'];
  if (!Array.isArray(req) || req.length === 0 || !req.every((r) => (METRIC_INPUT_KINDS as readonly unknown[]).includes(r))) {
    fail('requires', `a non-empty array of ${METRIC_INPUT_KINDS.map((k) => `"${k}"`).join(', ')}`, req);
  }
  if (typeof m['poolRelative'] !== 'boolean') fail('poolRelative', 'a boolean', m['poolRelative']);
  if (m['kind'] !== undefined && !(METRIC_KINDS as readonly unknown[]).includes(m['kind'])) {
    fail('kind', `absent or one of ${METRIC_KINDS.map((k) => `"${k}"`).join(', ')}`, m['kind']);
  }
  const meta = m['metadata'];
  const readsMetadata = Array.isArray(req) && req.includes('modelMetadata');
  if (readsMetadata) {
    if (!Array.isArray(meta) || meta.length === 0 || !meta.every((f) => (MODEL_METADATA_FIELDS as readonly unknown[]).includes(f))) {
      fail('metadata', `a non-empty array of ${MODEL_METADATA_FIELDS.map((f) => `"${f}"`).join(', ')} (requires has "modelMetadata")`, meta);
    }
  } else if (meta !== undefined) {
    fail('metadata', 'absent unless requires has "modelMetadata"', meta);
  }
  if (m['kind'] === 'static-baseline' && (!readsMetadata || (req as unknown[]).some((r) => r !== 'modelMetadata' && r !== 'labels'))) {
    fail('requires', 'only "modelMetadata" (and "labels") on a static baseline: it must not read the target data', req);
  }
  if (typeof m['compute'] !== 'function') fail('compute', 'a function (input, context) => Promise<{ value, diagnostics }>', typeof m['compute']);
  if (m['poolRelative'] === true && typeof m['relativise'] !== 'function') {
    fail('relativise', 'a function (members) => number[] on a pool-relative metric', typeof m['relativise']);
  }
  if (m['poolRelative'] === false && m['relativise'] !== undefined) {
    fail('relativise', 'absent on a metric that is not pool-relative', typeof m['relativise']);
  }
}

/** Metrics by id. `createRegistry()` returns one with the built-ins registered. */
export class MetricRegistry {
  private readonly metrics = new Map<string, MetricDefinition>();

  register(metric: MetricDefinition, where = 'metric'): void {
    assertMetricDefinition(metric, where);
    if (this.metrics.has(metric.id)) {
      throw new PluginError('duplicate_metric', `${where}: a metric with id "${metric.id}" is already registered`);
    }
    this.metrics.set(metric.id, metric);
  }

  get(id: string): MetricDefinition {
    const m = this.metrics.get(id);
    if (!m) throw new PluginError('unknown_metric', `unknown metric "${id}"; registered: ${this.ids().join(', ')}`);
    return m;
  }

  has(id: string): boolean {
    return this.metrics.has(id);
  }

  ids(): string[] {
    return [...this.metrics.keys()];
  }

  list(): MetricDefinition[] {
    return [...this.metrics.values()];
  }
}

export function createRegistry(): MetricRegistry {
  const r = new MetricRegistry();
  for (const m of BUILTIN_METRICS) r.register(m, `built-in ${m.id}`);
  return r;
}

/** The metrics a plugin module exports: `metrics` (array), a default array or `{ metrics }`, else every named metric-like export. */
export function metricsOfModule(mod: Record<string, unknown>, specifier: string): { name: string; value: unknown }[] {
  const fromArray = (arr: unknown, name: string): { name: string; value: unknown }[] | null =>
    Array.isArray(arr) ? arr.map((value, i) => ({ name: `${name}[${i}]`, value })) : null;
  const direct = fromArray(mod['metrics'], 'metrics');
  if (direct) return direct;
  const def = mod['default'];
  const fromDefault = fromArray(def, 'default') ?? (isRecord(def) ? fromArray(def['metrics'], 'default.metrics') : null);
  if (fromDefault) return fromDefault;
  const named = Object.entries(mod)
    .filter(([, v]) => isRecord(v) && 'compute' in v && 'id' in v)
    .map(([name, value]) => ({ name, value }));
  if (named.length === 0) {
    throw new PluginError('plugin_no_metrics', `plugin ${specifier} exports no metrics (export \`metrics: MetricDefinition[]\`)`);
  }
  return named;
}

/**
 * Imports a plugin (an npm package name or a path to a module, relative to `cwd`) and validates every exported metric;
 * with a `registry`, also registers them (all or none). Returns the plugin's metrics.
 */
export async function loadPlugin(specifier: string, registry?: MetricRegistry, cwd = process.cwd()): Promise<MetricDefinition[]> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(cwd, specifier)).href : specifier;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (e) {
    throw new PluginError('plugin_not_found', `cannot import plugin ${specifier}: ${(e as Error).message}`);
  }
  const found = metricsOfModule(mod, specifier);
  // Validate all before registering any, so a bad plugin leaves the registry untouched.
  found.forEach(({ name, value }) => assertMetricDefinition(value, `plugin ${specifier} export ${name}`));
  const metrics = found.map(({ value }) => value as MetricDefinition);
  const ids = new Set<string>();
  for (const m of metrics) {
    if (ids.has(m.id)) throw new PluginError('duplicate_metric', `plugin ${specifier} exports metric id "${m.id}" twice`);
    ids.add(m.id);
  }
  if (!registry) return metrics;
  for (const m of metrics) {
    if (registry.has(m.id)) throw new PluginError('duplicate_metric', `plugin ${specifier}: metric id "${m.id}" is already registered`);
  }
  metrics.forEach((m, i) => registry.register(m, `plugin ${specifier} export ${found[i].name}`));
  return metrics;
}
