import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGolden } from '../../__tests__/golden';
import { BUILTIN_METRICS } from '../builtins';
import { type MetricDefinition } from '../metric';
import { assertMetricDefinition, createRegistry, loadPlugin, MetricRegistry, PluginError } from '../registry';
import { validateMetric, validatePlugin } from '../validate';

const dir = mkdtempSync(join(tmpdir(), 'transferscope-plugin-'));

function writePlugin(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

const GOOD_PLUGIN = `
const paper = { title: 'Mean class distance', authors: ['A. Person'], venue: 'Tests', year: 2024, url: 'https://example.org/p' };
export const metrics = [{
  id: 'class_distance', variant: 'euclidean', version: '0.1.0', paper, direction: 'higher',
  requires: ['features', 'labels'], poolRelative: false,
  async compute(input, ctx) {
    const a = ctx.analysis();
    const C = a.labels.classes, D = a.d;
    let s = 0;
    for (let c = 0; c < C; c++) for (let j = 0; j < D; j++) s += (a.classMeans.data[c * D + j] - a.mean[j]) ** 2;
    return { value: s, diagnostics: { classes: C } };
  },
}];
`;

describe('MetricRegistry', () => {
  it("has the study's seven scores among the built-ins, each with its contract", () => {
    const r = createRegistry();
    expect(r.ids()).toEqual(expect.arrayContaining(['gbc', 'hscore', 'leep', 'logme', 'nce', 'nleep', 'reg_hscore']));
    for (const m of r.list()) expect(() => assertMetricDefinition(m)).not.toThrow();
    expect(r.get('leep').requires).toEqual(['sourceProbabilities', 'labels']);
  });

  it('rejects duplicates and unknown ids with specific errors', () => {
    const r = createRegistry();
    expect(() => r.register(BUILTIN_METRICS[0])).toThrow(/already registered/);
    expect(() => r.get('nope')).toThrow(PluginError);
  });

  it.each([
    ['id', { id: 'Bad Id' }, /id must be a string matching/],
    ['version', { version: 'v1' }, /version must be a semver/],
    ['direction', { direction: 'up' }, /direction must be "higher" or "lower"/],
    ['requires', { requires: ['pixels'] }, /requires must be a non-empty array/],
    ['paper.url', { paper: { ...BUILTIN_METRICS[0].paper, url: 'doi' } }, /paper.url must be an http/],
    ['poolRelative', { poolRelative: 'no' }, /poolRelative must be a boolean/],
    ['compute', { compute: 3 }, /compute must be a function/],
  ])('names the bad field: %s', (_field, patch, message) => {
    const bad = { ...BUILTIN_METRICS[0], ...patch };
    expect(() => assertMetricDefinition(bad)).toThrow(message);
  });
});

describe('loadPlugin', () => {
  it('imports a module, validates and registers its metrics, which then see the shared analysis', async () => {
    const r = createRegistry();
    const loaded = await loadPlugin(writePlugin('good.mjs', GOOD_PLUGIN), r);
    expect(loaded.map((m) => m.id)).toEqual(['class_distance']);
    expect(r.has('class_distance')).toBe(true);
  });

  it('rejects a module without metrics, a malformed metric and a missing module', async () => {
    await expect(loadPlugin(writePlugin('empty.mjs', 'export const x = 1;'), new MetricRegistry())).rejects.toThrow(/exports no metrics/);
    const bad = GOOD_PLUGIN.replace("direction: 'higher'", "direction: 'sideways'");
    const r = createRegistry();
    await expect(loadPlugin(writePlugin('bad.mjs', bad), r)).rejects.toThrow(/export metrics\[0\]: direction must be/);
    expect(r.has('class_distance')).toBe(false);
    await expect(loadPlugin(join(dir, 'missing.mjs'), r)).rejects.toMatchObject({ code: 'plugin_not_found' });
  });

  it('validates without registering when no registry is given', async () => {
    const loaded = await loadPlugin(writePlugin('standalone.mjs', GOOD_PLUGIN));
    expect(loaded.map((m) => m.id)).toEqual(['class_distance']);
  });

  it('refuses to shadow a built-in id', async () => {
    const clash = GOOD_PLUGIN.replace("id: 'class_distance'", "id: 'logme'");
    await expect(loadPlugin(writePlugin('clash.mjs', clash), createRegistry())).rejects.toMatchObject({ code: 'duplicate_metric' });
  });
});

describe('validateMetric / validatePlugin', () => {
  it.each(BUILTIN_METRICS.map((m) => [m.id, m] as const))('built-in %s passes every invariant', async (_id, m) => {
    const report = await validateMetric(m);
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain('separation');
  });

  it('validates a plugin file, with a golden fixture', async () => {
    const g = loadGolden('small_binary');
    const reports = await validatePlugin(writePlugin('good2.mjs', GOOD_PLUGIN), {
      class_distance: [{ name: 'small_binary self-check', input: { features: g.features, labels: g.labels }, expected: -1, rtol: 1e-9 }],
    });
    expect(reports).toHaveLength(1);
    const failed = reports[0].checks.filter((c) => !c.passed).map((c) => c.name);
    // The fixture's expected value is deliberately wrong: only it fails.
    expect(failed).toEqual(['fixture small_binary self-check']);
  });

  it('catches a metric that breaks its bounds or ranks random labels higher', async () => {
    const inverted: MetricDefinition = { ...BUILTIN_METRICS.find((m) => m.id === 'hscore')!, direction: 'lower' };
    const report = await validateMetric(inverted);
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.name === 'separation')?.passed).toBe(false);
    const outOfBounds: MetricDefinition = {
      ...BUILTIN_METRICS.find((m) => m.id === 'nce')!,
      compute: async () => ({ value: 0.5, diagnostics: {} }),
    };
    const r2 = await validateMetric(outOfBounds);
    expect(r2.checks.find((c) => c.name === 'bounds')?.passed).toBe(false);
  });
});

describe('pool-relative contract', () => {
  it('requires relativise exactly on pool-relative metrics', () => {
    const ordinary = BUILTIN_METRICS[0];
    expect(() => assertMetricDefinition({ ...ordinary, poolRelative: true })).toThrow(/relativise must be a function/);
    expect(() => assertMetricDefinition({ ...ordinary, relativise: () => [] })).toThrow(/relativise must be absent/);
    expect(() => assertMetricDefinition({ ...ordinary, poolRelative: true, relativise: () => [] })).not.toThrow();
  });
});
