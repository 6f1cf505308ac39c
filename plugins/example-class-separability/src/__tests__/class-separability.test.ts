import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fromRows,
  MetricInputError,
  MetricRegistry,
  scoreAll,
  syntheticInput,
  validatePlugin,
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
