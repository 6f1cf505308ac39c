import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedRoot, zooDatasetsDir } from '../../__tests__/support';
import { loadSplit } from '../../manifest/definition';
import { DatasetRegistry } from '../registry';

/** Independent count: split lines, take the last comma-separated field (these CSVs have no quoting). */
function simpleCounts(file: string): { n: number; perLabel: Record<number, number> } {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const perLabel: Record<number, number> = {};
  for (const l of lines.slice(1)) {
    const label = Number(l.slice(l.lastIndexOf(',') + 1));
    perLabel[label] = (perLabel[label] ?? 0) + 1;
  }
  return { n: lines.length - 1, perLabel };
}

function counts(labels: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const l of labels) out[l] = (out[l] ?? 0) + 1;
  return out;
}

const registry = DatasetRegistry.builtin({ sharedRoot: sharedRoot() });

describe('built-in registry on the real data', () => {
  it('loads the three brain-tumor splits with 2,440 / 430 / 394 items and the CSVs\' class counts', async () => {
    const def = registry.get('brain_tumor_kaggle');
    const expected = { train: 2440, val: 430, test: 394 };
    const files = { train: 'train_split_01.csv', val: 'val_split_01.csv', test: 'test.csv' };
    for (const split of ['train', 'val', 'test'] as const) {
      const m = await loadSplit(def, split);
      const ref = simpleCounts(join(zooDatasetsDir(), 'brain_tumor_kaggle', 'splits', files[split]));
      expect(ref.n).toBe(expected[split]);
      expect(m.items).toHaveLength(expected[split]);
      expect(counts(m.items.map((i) => i.label))).toEqual(ref.perLabel);
      expect(m.classNames).toEqual(['no_tumor', 'glioma', 'meningioma', 'pituitary']);
      expect(m.items[0].path.startsWith(join(zooDatasetsDir(), 'brain_tumor_kaggle'))).toBe(true);
      // The study's own copy of the split (paper/data) is the same manifest.
      const study = await loadSplit(registry.get('brain_tumor'), split);
      expect(study.hash).toBe(m.hash);
    }
  });

  it('loads brain_mri_ood with 2,000 items including the three PNG files named .jpg', async () => {
    const m = await loadSplit(registry.get('brain_mri_ood'), 'test');
    const ref = simpleCounts(join(zooDatasetsDir(), 'brain_mri_ood', 'ood.csv'));
    expect(m.items).toHaveLength(2000);
    expect(counts(m.items.map((i) => i.label))).toEqual(ref.perLabel);
    const pngs = m.items.filter((i) => {
      const head = readFileSync(i.path).subarray(0, 8);
      return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    });
    expect(pngs).toHaveLength(3);
    expect(pngs.every((i) => i.relPath.endsWith('.jpg') && i.label === 0)).toBe(true);
  });

  it('pairs each in-distribution set with its OOD partner', () => {
    expect(registry.pairs()).toEqual([
      { id: 'isic19', ood: 'pad_ufes_20' },
      { id: 'breakhis', ood: 'iciar2018' },
      { id: 'brain_tumor', ood: 'nins' },
      { id: 'brain_tumor_kaggle', ood: 'brain_mri_ood' },
    ]);
  });

  it('lists datasets without images as unavailable, with the reason, and never throws', async () => {
    const list = await registry.list();
    const byId = Object.fromEntries(list.map((l) => [l.id, l]));
    for (const id of ['brain_tumor', 'brain_tumor_kaggle', 'brain_mri_ood']) expect(byId[id].available).toBe(true);
    for (const id of ['isic19', 'pad_ufes_20', 'breakhis', 'iciar2018', 'nins']) {
      expect(byId[id].available).toBe(false);
      expect(byId[id].reason).toMatch(/is missing under/);
    }
    expect(byId['isic19'].splits).toEqual({ train: 14805, val: 1931, test: 3863 });
    const nowhere = await DatasetRegistry.builtin({ sharedRoot: '/nonexistent-shared' }).list();
    expect(nowhere).toHaveLength(8);
    expect(nowhere.every((l) => !l.available && /not a folder/.test(l.reason ?? ''))).toBe(true);
  });

  it('refuses an unknown id and a duplicate id', () => {
    expect(() => registry.get('imagenet')).toThrow(/no dataset "imagenet"/);
    expect(() => registry.add(registry.get('nins'))).toThrow(/defined twice/);
  });
});

describe('registry configuration', () => {
  it('lists built-ins whose folder is not configured as unavailable, naming the missing setting', async () => {
    const zooOnly = DatasetRegistry.builtin({ zooDatasetsDir: zooDatasetsDir() });
    expect(zooOnly.ids()).toEqual(['brain_tumor_kaggle', 'brain_mri_ood']);
    const list = await zooOnly.list();
    expect(list.map((l) => [l.id, l.available])).toEqual([
      ['brain_tumor_kaggle', true],
      ['brain_mri_ood', true],
      ['isic19', false],
      ['pad_ufes_20', false],
      ['breakhis', false],
      ['iciar2018', false],
      ['brain_tumor', false],
      ['nins', false],
    ]);
    expect(list[2].reason).toMatch(/paperDataDir/);
    expect(() => zooOnly.get('isic19')).toThrow(/not configured/);
  });
});
