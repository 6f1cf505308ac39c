import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../cli/cli-error';
import { SETTINGS } from '../../config';
import { registerDatasetCommand } from '../dataset.command';

const shared = process.env['TRANSFERSCOPE_SHARED'] ?? '';
const zooDatasets = join(shared, 'zoo', 'datasets');
const globals = ['--zoo', join(shared, 'zoo', 'models'), '--paper-data', join(shared, 'paper', 'data')];

// The configuration also reads the environment: keep the runner's settings out of these tests.
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const s of Object.values(SETTINGS)) {
    saved[s.env] = process.env[s.env];
    delete process.env[s.env];
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});

/** A program with the global configuration flags (as the real CLI has) and the dataset command; output captured. */
async function run(args: string[]): Promise<string> {
  let out = '';
  const program = new Command('transferscope').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: () => undefined });
  for (const s of Object.values(SETTINGS)) program.option(`${s.flag} <value>`, s.help);
  registerDatasetCommand(program);
  await program.parseAsync(args, { from: 'user' });
  return out;
}

describe('transferscope dataset list', () => {
  it('lists every built-in with its availability (JSON)', async () => {
    const rows = JSON.parse(await run([...globals, 'dataset', 'list', '--json'])) as { id: string; available: boolean; reason?: string; splits: Record<string, number> }[];
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['brain_mri_ood', 'brain_tumor', 'brain_tumor_kaggle', 'breakhis', 'iciar2018', 'isic19', 'nins', 'pad_ufes_20']);
    expect(byId['brain_tumor_kaggle']).toMatchObject({ available: true, splits: { train: 2440, val: 430, test: 394 } });
    expect(byId['isic19'].available).toBe(false);
    expect(byId['isic19'].reason).toMatch(/missing/);
  });

  it('prints a table, and names the missing setting when the study\'s CSVs are not configured', async () => {
    const table = await run(['--zoo', join(shared, 'zoo', 'models'), 'dataset', 'list']);
    expect(table).toMatch(/^id\s+role\s+ood\s+classes\s+splits\s+available/);
    expect(table).toMatch(/brain_tumor_kaggle\s+in-distribution\s+brain_mri_ood\s+4\s+train 2440, val 430, test 394\s+yes/);
    expect(table).toMatch(/isic19 .*no: not configured: .*paperDataDir/);
  });
});

describe('transferscope dataset audit', () => {
  it('audits a built-in id (JSON): brain_mri_ood and its three PNGs named .jpg', async () => {
    const report = JSON.parse(await run([...globals, 'dataset', 'audit', 'brain_mri_ood', '--json', '--header-only']));
    expect(report.totals).toMatchObject({ entries: 2000, ok: 2000 });
    expect(report.images.formatMismatches).toHaveLength(3);
  });

  it('audits a definition file with two CSV splits, and shows the leak between them as a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-dscmd-'));
    const splits = join(zooDatasets, 'brain_tumor_kaggle', 'splits');
    writeFileSync(
      join(dir, 'bt.yaml'),
      [
        'id: bt_val_test',
        `dataRoot: ${zooDatasets}`,
        'classes: [{id: 0, name: no_tumor}, {id: 1, name: glioma}, {id: 2, name: meningioma}, {id: 3, name: pituitary}]',
        'splits:',
        `  val: { csv: ${join(splits, 'val_split_01.csv')} }`,
        `  test: { csv: ${join(splits, 'test.csv')} }`,
      ].join('\n'),
    );
    const text = await run([...globals, 'dataset', 'audit', join(dir, 'bt.yaml'), '--header-only']);
    expect(text).toMatch(/^Dataset bt_val_test: 824 entries/);
    expect(text).toMatch(/val\s+430\s+59\s+124\s+123\s+124/);
    expect(text).toMatch(/val \/ test\s+\d+\s+\d+\s+0\s+-\s+-\s+LEAK/);
  });

  it('audits a bare CSV against --data-root', async () => {
    const csv = join(zooDatasets, 'brain_tumor_kaggle', 'splits', 'test.csv');
    const report = JSON.parse(await run(['dataset', 'audit', csv, '--json', '--header-only', '--data-root', zooDatasets]));
    expect(report.splits).toEqual([expect.objectContaining({ name: 'test', items: 394 })]);
    expect(report.exactDuplicates.withinSplit.test.groups).toBeGreaterThan(0);
  });

  it('refuses bad input with exit code 2 and a specific message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-dscmd-'));
    writeFileSync(join(dir, 'nolabel.csv'), 'image,klass\n/a.jpg,1\n');
    writeFileSync(join(dir, 'bad.yaml'), 'id: Bad Id\nclasses: []\nsplits: {}\n');
    const cases: [string[], RegExp][] = [
      [[...globals, 'dataset', 'audit', 'imagenet'], /"imagenet" is neither a known dataset id/],
      [['dataset', 'audit', join(dir, 'nolabel.csv')], /image paths need a data root: pass --data-root/],
      [['dataset', 'audit', join(dir, 'nolabel.csv'), '--data-root', dir], /nolabel\.csv, row 1, field "label": no "label" column/],
      [['dataset', 'audit', join(dir, 'missing.csv'), '--data-root', dir], /missing\.csv: cannot read the CSV file/],
      [['dataset', 'audit', join(dir, 'bad.yaml')], /bad\.yaml, field "id": invalid dataset definition/],
      [[...globals, 'dataset', 'audit', 'brain_mri_ood', '--near-threshold', '99'], /--near-threshold must be an integer in \[0, 64\]/],
      [['dataset', 'audit', 'isic19'], /not configured/],
    ];
    for (const [args, message] of cases) {
      const err = await run(args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, args.join(' ')).toBeInstanceOf(CliUsageError);
      expect((err as CliUsageError).exitCode).toBe(2);
      expect((err as CliUsageError).message).toMatch(message);
    }
  });
});
