import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fromRows,
  MetricInputError,
  MetricRegistry,
  scoreAll,
  syntheticInput,
  validatePlugin,
  type MetricContext,
  type MetricDefinition,
  type ScoreInput,
} from '@transferscope/metrics';
import { describe, expect, it } from 'vitest';
import { classSeparability, metrics } from '../index.mjs';

const pluginModule = join(__dirname, '..', 'index.mjs');
/** Golden values from a reference implementation; the format is in this package's README. */
const goldenFile = join(__dirname, '..', '..', 'fixtures', 'golden.json');
const metric: MetricDefinition = classSeparability;

interface GoldenCase {
  metric: string;
  name: string;
  features?: number[][];
  labels: number[];
  sourceProbabilities?: number[][];
  expected: number;
  rtol?: number;
}

/** The metric's value through the registry, as `transferscope score` computes it (input validated first). */
async function score(input: ScoreInput): Promise<number> {
  const registry = new MetricRegistry();
  registry.register(metric);
  const result = await scoreAll(input, [metric.id], { registry });
  if (!(metric.id in result.values)) throw new Error(`${metric.id} skipped: ${result.skipped[metric.id]}`);
  return result.values[metric.id];
}

/** `compute` on its own: this metric uses neither the shared analysis nor options. */
const noContext: MetricContext = {
  analysis: () => {
    throw new Error('class_separability does not use the shared analysis');
  },
  seed: 0,
  options: {},
};

const better = (a: number, b: number): boolean => (metric.direction === 'higher' ? a > b : a < b);
const synthetic = (separation: number, randomLabels = false): ScoreInput =>
  syntheticInput({ n: 300, d: 32, classes: 4, sourceClasses: 8, separation, randomLabels, seed: 11 });

describe('class_separability', () => {
  it('passes the registry invariants that `transferscope metrics validate` runs', async () => {
    const reports = await validatePlugin(pluginModule);
    expect(reports.map((r) => r.metric)).toEqual(metrics.map((m: MetricDefinition) => m.id));
    for (const report of reports) expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('gives a finite value on synthetic data, the same on a second run', async () => {
    const input = synthetic(3);
    const value = await score(input);
    expect(Number.isFinite(value)).toBe(true);
    expect(await score(input)).toBe(value);
  });

  it('scores better-separated classes better, and real labels better than shuffled ones', async () => {
    const values = [];
    for (const separation of [0.5, 2, 6]) values.push(await score(synthetic(separation)));
    expect(better(values[1], values[0]) && better(values[2], values[1]), `values ${values.join(', ')}`).toBe(true);
    expect(better(values[2], await score(synthetic(6, true)))).toBe(true);
  });

  it('rejects bad input with a MetricInputError naming the problem', async () => {
    const good = synthetic(2);
    const features = good.features!;
    const withNaN = { ...features, data: Float64Array.from(features.data, (v, i) => (i === 5 ? Number.NaN : v)) };
    await expect(score({ ...good, features: withNaN })).rejects.toMatchObject({ code: 'non_finite' });
    const gap = Array.from(good.labels, (l) => (l === 1 ? 2 : l));
    await expect(score({ ...good, labels: gap })).rejects.toMatchObject({ code: 'label_gap' });
    await expect(score({ ...good, labels: new Array(features.rows).fill(0) })).rejects.toBeInstanceOf(MetricInputError);
  });

  it.skipIf(!existsSync(goldenFile))('matches every case of fixtures/golden.json within its tolerance', async () => {
    const { cases } = JSON.parse(readFileSync(goldenFile, 'utf8')) as { cases: GoldenCase[] };
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(metrics.map((m: MetricDefinition) => m.id), `case ${c.name}`).toContain(c.metric);
      const registry = new MetricRegistry();
      for (const m of metrics) registry.register(m);
      const input: ScoreInput = {
        labels: c.labels,
        ...(c.features && { features: fromRows(c.features) }),
        ...(c.sourceProbabilities && { sourceProbabilities: fromRows(c.sourceProbabilities) }),
      };
      const value = (await scoreAll(input, [c.metric], { registry })).values[c.metric];
      const rtol = c.rtol ?? 1e-9;
      expect(Math.abs(value - c.expected), `case ${c.name}: ${value} vs ${c.expected}`).toBeLessThanOrEqual(rtol * Math.abs(c.expected));
    }
  });
});

describe('class_separability: definition and invariants', () => {
  /** The doc comment's example, by hand: tr S_B = 2 * 25 + 2 * 25 = 100, tr S_W = 4 * 1 = 4. */
  it('gives the worked example exactly, with its scatter traces', async () => {
    const result = await metric.compute({ features: fromRows([[0], [2], [10], [12]]), labels: [0, 0, 1, 1] }, noContext);
    expect(result.value).toBe(100 / 104);
    expect(result.diagnostics).toEqual({ betweenScatter: 100, withinScatter: 4, fisherRatio: 25, chanceLevel: 1 / 3, classes: 2 });
  });

  it('is 1 when every sample sits on its class mean, and 0 for constant features or coinciding class means', async () => {
    expect(await score({ features: fromRows([[1, 2], [1, 2], [5, -1], [5, -1]]), labels: [0, 0, 1, 1] })).toBe(1);
    const constant = await metric.compute({ features: fromRows([[3, 3], [3, 3], [3, 3], [3, 3]]), labels: [0, 1, 0, 1] }, noContext);
    expect([constant.value, constant.diagnostics['fisherRatio']]).toEqual([0, null]);
    expect(await score({ features: fromRows([[0], [2], [0], [2]]), labels: [0, 0, 1, 1] })).toBe(0);
  });

  it('is unchanged by translating, scaling and rotating the features and by renaming the classes', async () => {
    const input = synthetic(2);
    const f = input.features!;
    const base = await score(input);
    const moved = { ...f, data: f.data.map((v, i) => -3.5 * v + 1000 + (i % f.cols)) };
    expect(await score({ ...input, features: moved })).toBeCloseTo(base, 10);
    // A Givens rotation of every pair of columns (2j, 2j+1) is orthogonal.
    const [cos, sin] = [Math.cos(0.7), Math.sin(0.7)];
    const rotated = { ...f, data: Float64Array.from(f.data) };
    for (let i = 0; i < f.rows; i++) {
      for (let j = 0; j + 1 < f.cols; j += 2) {
        const [a, b] = [f.data[i * f.cols + j], f.data[i * f.cols + j + 1]];
        rotated.data[i * f.cols + j] = cos * a - sin * b;
        rotated.data[i * f.cols + j + 1] = sin * a + cos * b;
      }
    }
    expect(await score({ ...input, features: rotated })).toBeCloseTo(base, 12);
    expect(await score({ ...input, labels: Array.from(input.labels, (l) => 3 - l) })).toBeCloseTo(base, 14); // class sums in another order
  });

  it('averages (C - 1) / (N - 1) over random relabellings, its documented chance level', async () => {
    const x = fromRows(
      Array.from({ length: 60 }, (_, i) => Array.from({ length: 5 }, (_, j) => Math.sin(1.3 * i + 0.7 * j * j) + (i % 3) * (j === 0 ? 1 : 0))),
    );
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    let state = 12345;
    const uniform = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0), state / 2 ** 32);
    const draws = 400;
    let sum = 0;
    for (let t = 0; t < draws; t++) {
      for (let i = labels.length - 1; i > 0; i--) {
        const k = Math.floor(uniform() * (i + 1));
        [labels[i], labels[k]] = [labels[k], labels[i]];
      }
      sum += (await metric.compute({ features: x, labels }, noContext)).value;
    }
    expect(sum / draws).toBeGreaterThan((2 / 59) * 0.85);
    expect(sum / draws).toBeLessThan((2 / 59) * 1.15);
  });
});
