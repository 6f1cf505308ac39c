import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../errors';
import { csvTextToManifest, loadCsvManifest } from '../csv-manifest';
import { resolveInRoot } from '../paths';

const classes = [
  { id: 0, name: 'no' },
  { id: 1, name: 'yes' },
];
const root = '/data/root';

function errorOf(f: () => unknown): DatasetError {
  try {
    f();
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error('expected a DatasetError');
}

describe('csvTextToManifest', () => {
  it('resolves rooted paths against the data root and keeps extra columns as metadata', () => {
    const m = csvTextToManifest('image,label,site\n/set/a.jpg,1,x\nset/b.jpg,0,y\n', 'f.csv', { dataRoot: root, classes });
    expect(m.items).toEqual([
      { path: '/data/root/set/a.jpg', relPath: 'set/a.jpg', label: 1, meta: { site: 'x' }, row: 2 },
      { path: '/data/root/set/b.jpg', relPath: 'set/b.jpg', label: 0, meta: { site: 'y' }, row: 3 },
    ]);
    expect(m.classNames).toEqual(['no', 'yes']);
    expect(m.source).toEqual({ kind: 'csv', file: expect.stringMatching(/f\.csv$/), dataRoot: root });
  });

  it('hash ignores row order and the data root, and changes with a label or a class id', () => {
    const a = csvTextToManifest('image,label\n/a.jpg,1\n/b.jpg,0\n', 'f.csv', { dataRoot: root, classes });
    const b = csvTextToManifest('image,label\n/b.jpg,0\n/a.jpg,1\n', 'g.csv', { dataRoot: '/elsewhere', classes });
    const c = csvTextToManifest('image,label\n/a.jpg,0\n/b.jpg,0\n', 'f.csv', { dataRoot: root, classes });
    const d = csvTextToManifest('image,label\n/a.jpg,1\n/b.jpg,0\n', 'f.csv', {
      dataRoot: root,
      classes: [...classes, { id: 2, name: 'maybe' }],
    });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(d.hash).not.toBe(a.hash);
  });

  it('without classes, uses the ids found, named by id', () => {
    const m = csvTextToManifest('image,label\n/a.jpg,3\n/b.jpg,1\n', 'f.csv', { dataRoot: root });
    expect(m.classes).toEqual([
      { id: 1, name: '1' },
      { id: 3, name: '3' },
    ]);
  });

  it('names file, row and field for each bad input', () => {
    const missing = errorOf(() => csvTextToManifest('path,label\n/a.jpg,1\n', 'f.csv', { dataRoot: root, classes }));
    expect([missing.code, missing.row, missing.field]).toEqual(['MISSING_COLUMN', 1, 'image']);
    expect(missing.message).toMatch(/f\.csv, row 1, field "image": no "image" column/);

    const noLabel = errorOf(() => csvTextToManifest('image,klass\n/a.jpg,1\n', 'f.csv', { dataRoot: root, classes }));
    expect([noLabel.code, noLabel.field]).toEqual(['MISSING_COLUMN', 'label']);

    const unknown = errorOf(() => csvTextToManifest('image,label\n/a.jpg,1\n/b.jpg,7\n', 'f.csv', { dataRoot: root, classes }));
    expect([unknown.code, unknown.row, unknown.field]).toEqual(['UNKNOWN_LABEL', 3, 'label']);

    const bad = errorOf(() => csvTextToManifest('image,label\n/a.jpg,1.0\n', 'f.csv', { dataRoot: root, classes }));
    expect([bad.code, bad.row]).toEqual(['BAD_LABEL', 2]);

    const empty = errorOf(() => csvTextToManifest('image,label\r\n', 'f.csv', { dataRoot: root, classes }));
    expect(empty.code).toBe('EMPTY_SPLIT');

    const escape = errorOf(() => csvTextToManifest('image,label\n/a.jpg,1\n/../../etc/passwd,0\n', 'f.csv', { dataRoot: root, classes }));
    expect([escape.code, escape.row, escape.field]).toEqual(['PATH_ESCAPES_ROOT', 3, 'image']);
  });

  it('names the CSV file when it does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-csv-'));
    await expect(loadCsvManifest(join(dir, 'nope.csv'), { dataRoot: dir })).rejects.toMatchObject({ code: 'MISSING_FILE', file: join(dir, 'nope.csv') });
    await writeFile(join(dir, 'ok.csv'), 'image,label\n/x.png,0\n');
    const m = await loadCsvManifest(join(dir, 'ok.csv'), { dataRoot: dir });
    expect(m.items[0].path).toBe(join(dir, 'x.png'));
  });
});

describe('resolveInRoot', () => {
  it('keeps paths inside the root and refuses those that leave it', () => {
    expect(resolveInRoot('/r', '/a/../b.jpg').relPath).toBe('b.jpg');
    expect(resolveInRoot('/r', 'a\\b.jpg').relPath).toBe('a/b.jpg');
    for (const p of ['../x.jpg', '/a/../../x.jpg', 'C:/x.jpg', '', '/']) {
      expect(() => resolveInRoot('/r', p)).toThrow(DatasetError);
    }
  });
});
