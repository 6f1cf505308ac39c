import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '@transferscope/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli';
import { ConfigError } from '../../config';

/**
 * The example plugin (plugins/example-class-separability) loaded through configuration only: each test writes a
 * transferscope.config.json into an empty working directory and runs commands with no plugin flag or variable.
 */
const PLUGIN = '@transferscope/plugin-class-separability';

let work: string;
const home = process.cwd();

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'ts-plugin-config-'));
  process.chdir(work);
  vi.stubEnv('TRANSFERSCOPE_PLUGINS', '');
  vi.stubEnv('TRANSFERSCOPE_CONFIG', '');
});

afterEach(() => {
  process.chdir(home);
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

/** `transferscope <args>` in-process, as the binary runs it; returns what it printed. */
async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    await buildProgram().parseAsync(args, { from: 'user' });
    return lines.join('\n');
  } finally {
    log.mockRestore();
  }
}

const writeConfig = (config: object): void => writeFileSync(join(work, 'transferscope.config.json'), JSON.stringify(config));

describe('a metric plugin named in transferscope.config.json', () => {
  it('is listed by `transferscope metrics list` beside the built-ins, with its metadata', async () => {
    writeConfig({ plugins: [PLUGIN] });
    const rows = JSON.parse(await run(['metrics', 'list', '--json'])) as { id: string; variant: string; direction: string; requires: string[]; paper: { year: number } }[];
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(['hscore', 'logme', 'class_separability']));
    expect(rows.find((r) => r.id === 'class_separability')).toMatchObject({ variant: 'trace_ratio', direction: 'higher', requires: ['features', 'labels'], paper: { year: 1936 } });
  });

  it('is computed by `transferscope score`, and is absent without the config', async () => {
    writeFileSync(join(work, 'f.npy'), writeNpy([0, 2, 10, 12], [4, 1]));
    writeFileSync(join(work, 'l.json'), JSON.stringify([0, 0, 1, 1]));
    const args = ['score', '--features', 'f.npy', '--labels', 'l.json', '--metrics', 'class_separability', '--json'];
    await expect(run(args)).rejects.toThrow(/unknown metric "class_separability"/);
    writeConfig({ plugins: [PLUGIN] });
    const printed = JSON.parse(await run(args)) as Record<string, unknown>;
    // The doc comment's worked example: tr S_B = 100, tr S_W = 4.
    expect(printed['class_separability']).toBe(100 / 104);
  });

  it('is shown by `transferscope config` as coming from the file', async () => {
    writeConfig({ plugins: [PLUGIN] });
    const shown = JSON.parse(await run(['config', '--json'])) as { plugins: string[]; sources: Record<string, string> };
    expect(shown.plugins).toEqual([PLUGIN]);
    expect(shown.sources['plugins']).toBe('file');
  });

  it('that cannot be loaded is a configuration error naming the file', async () => {
    writeConfig({ plugins: ['@transferscope/plugin-does-not-exist'] });
    const failure = run(['metrics', 'list']);
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(run(['metrics', 'list'])).rejects.toThrow(/transferscope\.config\.json: plugins: cannot import plugin @transferscope\/plugin-does-not-exist/);
  });
});
