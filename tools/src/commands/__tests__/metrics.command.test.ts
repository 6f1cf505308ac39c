import { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliUsageError } from '../../cli/cli-error';
import { registerMetricsCommand } from '../metrics.command';

/** Runs `transferscope metrics ...` in-process and returns what it printed. */
async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    const program = new Command('transferscope').exitOverride().option('--plugin <module>', '', (value: string, previous: string[]) => [...previous, value], [] as string[]).option('--config <file>');
    registerMetricsCommand(program);
    await program.parseAsync(args, { from: 'user' });
    return lines.join('\n');
  } finally {
    log.mockRestore();
  }
}

/** A plugin metric written the way users write one: nearest-class-centroid accuracy on the features. */
const CENTROID_PLUGIN = `
export const nearestCentroid = {
  id: 'nearest_centroid', variant: 'default', version: '1.0.0', direction: 'higher', poolRelative: false,
  requires: ['features', 'labels'],
  paper: { title: 'Nearest centroid baseline', authors: ['Example'], venue: 'tests', year: 2026, url: 'https://example.org' },
  async compute({ features, labels }) {
    const { rows, cols, data } = features;
    const classes = Math.max(...Array.from(labels)) + 1;
    const sums = Array.from({ length: classes }, () => new Float64Array(cols));
    const counts = new Float64Array(classes);
    for (let i = 0; i < rows; i++) { counts[labels[i]]++; for (let j = 0; j < cols; j++) sums[labels[i]][j] += data[i * cols + j]; }
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      let best = -1, bestDistance = Infinity;
      for (let c = 0; c < classes; c++) {
        let d = 0;
        for (let j = 0; j < cols; j++) { const diff = data[i * cols + j] - sums[c][j] / counts[c]; d += diff * diff; }
        if (d < bestDistance) { bestDistance = d; best = c; }
      }
      if (best === labels[i]) correct++;
    }
    return { value: correct / rows, diagnostics: {} };
  },
};
`;

describe('transferscope metrics', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('lists the built-in scores with their metadata', async () => {
    const rows = JSON.parse(await run(['metrics', 'list', '--json'])) as { id: string; direction: string; requires: string[] }[];
    const ids = rows.map((row) => row.id);
    for (const id of ['hscore', 'reg_hscore', 'leep', 'nleep', 'nce', 'gbc', 'logme']) expect(ids).toContain(id);
    expect(rows.find((row) => row.id === 'leep')!.requires).toContain('sourceProbabilities');
  });

  it('shows the kind of each metric, and the model metadata a static baseline reads', async () => {
    const rows = JSON.parse(await run(['metrics', 'list', '--json'])) as { id: string; kind: string; metadata?: string[] }[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get('logme')).toMatchObject({ kind: 'score' });
    expect(byId.get('knn_loo')).toMatchObject({ kind: 'baseline' });
    expect(byId.get('parameter_count')).toMatchObject({ kind: 'static-baseline', metadata: ['parameters'] });
    expect(byId.get('imagenet_top1')).toMatchObject({ kind: 'static-baseline', metadata: ['imagenetTop1'] });
    const table = await run(['metrics', 'list']);
    expect(table).toMatch(/parameter_count\s+model-card\s+1\.0\.0\s+higher\s+modelMetadata\(parameters\)\s+static-baseline/);
  });

  it('lists a plugin named on the command line beside the built-ins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-plugin-'));
    writeFileSync(join(dir, 'centroid.mjs'), CENTROID_PLUGIN);
    const table = await run(['--plugin', join(dir, 'centroid.mjs'), 'metrics', 'list']);
    expect(table).toMatch(/nearest_centroid\s+default\s+1\.0\.0\s+higher\s+features\+labels/);
  });

  it('validates a well-behaved plugin against the invariants', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-plugin-'));
    writeFileSync(join(dir, 'centroid.mjs'), CENTROID_PLUGIN);
    const reports = JSON.parse(await run(['metrics', 'validate', join(dir, 'centroid.mjs'), '--json'])) as { metric: string; passed: boolean }[];
    expect(reports).toEqual([expect.objectContaining({ metric: 'nearest_centroid', passed: true })]);
    expect(process.exitCode).toBeUndefined();
  });

  it('rejects a malformed plugin as bad input, naming what is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-plugin-'));
    writeFileSync(join(dir, 'broken.mjs'), CENTROID_PLUGIN.replace("direction: 'higher', ", ''));
    await expect(run(['metrics', 'validate', join(dir, 'broken.mjs')])).rejects.toBeInstanceOf(CliUsageError);
    await expect(run(['metrics', 'validate', join(dir, 'broken.mjs')])).rejects.toThrow(/direction/);
  });
});
