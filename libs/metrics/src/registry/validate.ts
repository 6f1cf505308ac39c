import { type ScoreInput } from '../input';
import { scoreAll } from '../score-all';
import { syntheticInput } from '../synthetic';
import { type MetricDefinition } from './metric';
import { assertMetricDefinition, loadPlugin, MetricRegistry } from './registry';

export interface GoldenFixture {
  name: string;
  input: ScoreInput;
  expected: number;
  /** Relative tolerance, default 1e-9. */
  rtol?: number;
}

export interface ValidationCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface ValidationReport {
  metric: string;
  passed: boolean;
  checks: ValidationCheck[];
}

/**
 * Known bounds by metric id, for any variant of that score. C = number of target classes, N = samples. The regularised
 * H-score mixes the biased Ledoit-Wolf covariance (1/N) with the unbiased between-class covariance (1/(N-1)), so its
 * bound is (C - 1) N / (N - 1) (reached as the shrinkage goes to 0, e.g. with D >> N).
 */
const BOUNDS: Record<string, (c: number, n: number) => [number, number]> = {
  hscore: (c) => [0, c - 1],
  reg_hscore: (c, n) => [0, ((c - 1) * n) / (n - 1)],
  gbc: (c) => [-c * (c - 1), 0],
  nce: (c) => [-Math.log(c), 0],
  leep: () => [-Infinity, 0],
  nleep: () => [-Infinity, 0],
  leep_prob: () => [0, 1],
  nleep_prob: () => [0, 1],
  knn_loo: () => [0, 1],
  linear_probe_cv: () => [0, 1],
  imagenet_top1: () => [0, 1],
};

/** Round-off slack on the bounds (values are sums of O(N D) terms). */
const BOUND_SLACK = 1e-9;

async function valueOf(metric: MetricDefinition, input: ScoreInput): Promise<number | string> {
  const registry = new MetricRegistry();
  registry.register(metric);
  const r = await scoreAll(input, [metric.id], { registry, options: { gbc: { allowFewerComponents: true } } });
  return r.values[metric.id] ?? r.skipped[metric.id] ?? 'no value';
}

/**
 * Validates a metric against the contract and invariants on synthetic data: shape of the definition, a finite and
 * deterministic value, the known bounds of its id (H-score in [0, C-1], Reg. H-score in [0, (C-1) N/(N-1)],
 * GBC in [-C(C-1), 0], NCE in [-log C, 0],
 * LEEP <= 0), that well-separated classes score better (per `direction`) than random labels, and optional golden fixtures.
 */
export async function validateMetric(candidate: unknown, fixtures: readonly GoldenFixture[] = []): Promise<ValidationReport> {
  const checks: ValidationCheck[] = [];
  const add = (name: string, passed: boolean, detail: string): void => {
    checks.push({ name, passed, detail });
  };
  try {
    assertMetricDefinition(candidate);
  } catch (e) {
    add('contract', false, (e as Error).message);
    return { metric: String((candidate as { id?: unknown } | null)?.id ?? '?'), passed: false, checks };
  }
  const metric = candidate;
  add('contract', true, 'definition has the MetricDefinition shape');
  const classes = 3;
  const base = { n: 240, d: 64, classes, sourceClasses: 9, seed: 7 };
  // A static baseline reads model metadata only (torchvision ResNet-50's here); the data checks still run on it.
  const model = metric.kind === 'static-baseline' ? { model: { parameters: 25_557_032, imagenetTop1: 0.7613 } } : {};
  const separated = { ...syntheticInput({ ...base, separation: 6 }), ...model };
  const random = { ...syntheticInput({ ...base, separation: 6, randomLabels: true }), ...model };
  const first = await valueOf(metric, separated);
  const again = await valueOf(metric, separated);
  if (typeof first !== 'number') {
    add('applies', false, `no value on synthetic data: ${first}`);
    return { metric: metric.id, passed: false, checks };
  }
  add('finite', Number.isFinite(first), `value ${first}`);
  add('deterministic', first === again, `two runs gave ${first} and ${again}`);
  const bounds = BOUNDS[metric.id];
  if (bounds) {
    const [lo, hi] = bounds(classes, base.n);
    add('bounds', first >= lo - BOUND_SLACK && first <= hi + BOUND_SLACK, `value ${first}, expected in [${lo}, ${hi}]`);
  }
  const rnd = await valueOf(metric, random);
  if (metric.kind === 'static-baseline') {
    add('separation', rnd === first, `a static baseline ignores the target data: ${first} for separated and random labels alike`);
  } else if (typeof rnd === 'number') {
    const better = metric.direction === 'higher' ? first > rnd : first < rnd;
    add('separation', better, `well separated ${first} vs random labels ${rnd} (direction ${metric.direction})`);
  } else {
    add('separation', false, `no value for random labels: ${rnd}`);
  }
  for (const f of fixtures) {
    const v = await valueOf(metric, f.input);
    const rtol = f.rtol ?? 1e-9;
    const ok = typeof v === 'number' && Math.abs(v - f.expected) <= rtol * Math.abs(f.expected);
    add(`fixture ${f.name}`, ok, `value ${v}, expected ${f.expected} (rtol ${rtol})`);
  }
  return { metric: metric.id, passed: checks.every((c) => c.passed), checks };
}

/** Loads a plugin into a fresh registry (so its ids may shadow built-ins) and validates each of its metrics. */
export async function validatePlugin(
  specifier: string,
  fixtures: Readonly<Record<string, readonly GoldenFixture[]>> = {},
  cwd = process.cwd(),
): Promise<ValidationReport[]> {
  const registry = new MetricRegistry();
  const metrics = await loadPlugin(specifier, registry, cwd);
  const reports: ValidationReport[] = [];
  for (const m of metrics) reports.push(await validateMetric(m, fixtures[m.id] ?? []));
  return reports;
}
