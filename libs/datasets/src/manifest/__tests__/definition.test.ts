import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitionFile, loadSplit, parseDefinition } from '../definition';

const yamlDef = `
id: toy
name: Toy set
dataRoot: images
classes:
  - { id: 0, name: cat }
  - { id: 1, name: dog }
splits:
  train: { csv: train.csv }
  test: { folder: test, classFolders: { cats: 0, dogs: 1 } }
ood: toy_ood
`;

describe('dataset definitions', () => {
  it('loads CSV and folder splits relative to the definition file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-def-'));
    await writeFile(join(dir, 'toy.yaml'), yamlDef);
    await writeFile(join(dir, 'train.csv'), 'image,label,extra\n/a.jpg,0,e\n/b.jpg,1,f\n');
    for (const c of ['cats', 'dogs']) {
      await mkdir(join(dir, 'images', 'test', c), { recursive: true });
      await writeFile(join(dir, 'images', 'test', c, 'x.png'), 'x');
    }
    const def = await loadDefinitionFile(join(dir, 'toy.yaml'));
    expect(def.ood).toBe('toy_ood');
    const train = await loadSplit(def, 'train');
    expect(train.items.map((i) => i.path)).toEqual([join(dir, 'images', 'a.jpg'), join(dir, 'images', 'b.jpg')]);
    expect(train.classNames).toEqual(['cat', 'dog']);
    const test = await loadSplit(def, 'test');
    expect(test.items.map((i) => [i.relPath, i.label])).toEqual([
      ['test/cats/x.png', 0],
      ['test/dogs/x.png', 1],
    ]);
    // An explicit data root (the caller's configuration) wins over the definition's own.
    const moved = await loadSplit(def, 'train', { dataRoot: '/mnt/data' });
    expect(moved.items[0].path).toBe('/mnt/data/a.jpg');
    expect(moved.hash).toBe(train.hash);
    await expect(loadSplit(def, 'val')).rejects.toMatchObject({ code: 'UNKNOWN_SPLIT' });
  });

  it('reads JSON too', () => {
    const def = parseDefinition(JSON.stringify({ id: 'j', classes: [{ id: 0, name: 'a' }], splits: { test: { csv: 't.csv' } } }), '/x/j.json');
    expect(def.baseDir).toBe('/x');
  });

  it('names the file and the field that is wrong', () => {
    expect(() => parseDefinition('id: Bad Id\nclasses: []\nsplits: {}\n', '/x/d.yaml')).toThrow(/\/x\/d\.yaml, field "id": invalid dataset definition: id: .*classes: /);
    expect(() => parseDefinition('id: a\nclasses: [{id: 0, name: a}]\nsplits: { train: { csv: 1 } }\n', '/x/d.yaml')).toThrow(/splits\.train/);
    expect(() => parseDefinition('id: a\nclasses: [{id: 0, name: a}, {id: 0, name: b}]\nsplits: { t: { csv: t.csv } }\n', '/x/d.yaml')).toThrow(/class id 0 appears twice/);
    expect(() => parseDefinition('id: a\nclasses: [{id: 0, name: a}]\nsplits: {}\n', '/x/d.yaml')).toThrow(/at least one split/);
    expect(() => parseDefinition('{ "id": ', '/x/d.json')).toThrow(/\/x\/d\.json: cannot parse/);
    expect(() => parseDefinition('id: a\nclasses: [{id: 0, name: a}]\nsplits: { t: { csv: t.csv } }\nextra: 1\n', '/x/d.yaml')).toThrow(/extra/);
  });
});
