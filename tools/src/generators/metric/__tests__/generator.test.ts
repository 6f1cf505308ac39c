import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readJson, readProjectConfiguration, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { validatePlugin } from '@transferscope/metrics';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerMetricsCommand } from '../../../commands/metrics.command';
import { metricGenerator, MetricGeneratorError } from '../generator';

/** Writes what the generator created in the tree to a fresh folder on disk; returns that folder. */
function materialise(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), 'ts-generated-'));
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || change.content === null) continue;
    mkdirSync(dirname(join(root, change.path)), { recursive: true });
    writeFileSync(join(root, change.path), change.content);
  }
  return root;
}

/** `transferscope metrics validate <module> --json` in-process. */
async function validateCommand(module: string): Promise<{ metric: string; passed: boolean; checks: { name: string; passed: boolean }[] }[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    const program = new Command('transferscope').exitOverride();
    registerMetricsCommand(program);
    await program.parseAsync(['metrics', 'validate', module, '--json'], { from: 'user' });
    return JSON.parse(lines.join('\n'));
  } finally {
    log.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('nx g @transferscope/tools:metric', () => {
  it('scaffolds the package, module, tests, README and a type:plugin project under plugins/<name>', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await metricGenerator(tree, { name: 'class-distance' });
    const dir = 'plugins/class-distance';
    for (const file of ['package.json', 'README.md', 'vitest.config.ts', 'src/index.mjs', 'src/__tests__/class-distance.test.ts']) {
      expect(tree.exists(`${dir}/${file}`), file).toBe(true);
    }
    expect(tree.listChanges().filter((c) => /__tmpl__|__name__/.test(c.path))).toEqual([]);
    const project = readProjectConfiguration(tree, 'plugin-class-distance');
    expect(project.root).toBe(dir);
    expect(project.tags).toEqual(['type:plugin']);
    expect(Object.keys(project.targets ?? {}).sort()).toEqual(['lint', 'test']);
    expect(readJson(tree, `${dir}/package.json`)).toMatchObject({ name: '@transferscope/plugin-class-distance', main: './src/index.mjs' });
    const module = tree.read(`${dir}/src/index.mjs`, 'utf8')!;
    expect(module).toContain("id: 'class_distance'");
    expect(module).toContain('export const classDistance = {');
    expect(module).toContain('export const metrics = [classDistance];');
    expect(module).toMatch(/\*\*Definition\*\*[\s\S]*\*\*Reference behaviour\*\*[\s\S]*\*\*Direction\*\*[\s\S]*\*\*References\*\*/);
    expect(module).not.toMatch(/<%|%>/);
    expect(tree.read(`${dir}/vitest.config.ts`, 'utf8')).toContain("from '../../vitest.shared'");
    expect(tree.read(`${dir}/src/__tests__/class-distance.test.ts`, 'utf8')).toContain("import { classDistance, metrics } from '../index.mjs';");
    expect(readJson(tree, 'package.json').workspaces).toContain(dir);
  });

  it('takes --directory, --metricId and --direction, and leaves a workspaces pattern that covers the folder alone', async () => {
    const tree = createTreeWithEmptyWorkspace();
    writeJson(tree, 'package.json', { name: 'ws', workspaces: ['libs/*', 'plugins/*'] });
    await metricGenerator(tree, { name: 'pac-cost', directory: 'plugins/pac-cost-example/', metricId: 'pac_cost', direction: 'lower' });
    const dir = 'plugins/pac-cost-example';
    expect(readProjectConfiguration(tree, 'plugin-pac-cost').root).toBe(dir);
    expect(tree.read(`${dir}/src/index.mjs`, 'utf8')).toMatch(/id: 'pac_cost'[\s\S]*direction: 'lower'[\s\S]*value: -spread/);
    expect(readJson(tree, 'package.json').workspaces).toEqual(['libs/*', 'plugins/*']);

    const nested = createTreeWithEmptyWorkspace();
    await metricGenerator(nested, { name: 'deep', directory: 'plugins/examples/deep' });
    expect(nested.read('plugins/examples/deep/vitest.config.ts', 'utf8')).toContain("from '../../../vitest.shared'");
  });

  it('refuses a bad name, a bad metric id, a folder outside the workspace and a folder in use', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(metricGenerator(tree, { name: 'Class_Distance' })).rejects.toThrow(/kebab-case/);
    await expect(metricGenerator(tree, { name: 'ok', metricId: '9lives' })).rejects.toThrow(/metric id "9lives"/);
    await expect(metricGenerator(tree, { name: 'ok', directory: '../outside' })).rejects.toBeInstanceOf(MetricGeneratorError);
    tree.write('plugins/taken/notes.txt', 'mine');
    await expect(metricGenerator(tree, { name: 'taken' })).rejects.toThrow(/plugins\/taken already exists/);
    await metricGenerator(tree, { name: 'twice' });
    await expect(metricGenerator(tree, { name: 'twice', directory: 'plugins/twice-again' })).rejects.toThrow(/plugin-twice already exists/);
  });

  it.each(['higher', 'lower'] as const)('writes a plugin (direction %s) that validatePlugin and `transferscope metrics validate` accept as it is', async (direction) => {
    const tree = createTreeWithEmptyWorkspace();
    await metricGenerator(tree, { name: 'fresh-metric', direction });
    const module = join(materialise(tree), 'plugins/fresh-metric/src/index.mjs');
    const reports = await validatePlugin(module);
    expect(reports).toHaveLength(1);
    expect(reports[0].metric).toBe('fresh_metric');
    expect(reports[0].checks.filter((c) => !c.passed)).toEqual([]);
    expect(reports[0].checks.map((c) => c.name)).toEqual(expect.arrayContaining(['contract', 'finite', 'deterministic', 'separation']));
    const printed = await validateCommand(module);
    expect(printed).toEqual([expect.objectContaining({ metric: 'fresh_metric', passed: true })]);
    expect(process.exitCode).toBeUndefined();
  });
});
