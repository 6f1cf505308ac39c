import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFolderManifest } from '../folder-manifest';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-folder-'));
  for (const [cls, files] of Object.entries({ zebra: ['1.jpg', '2.PNG', 'notes.txt'], apple: ['a.tif', 'b.webp', 'c.bmp'] })) {
    await mkdir(join(dir, cls));
    for (const f of files) await writeFile(join(dir, cls, f), 'x');
  }
});

describe('loadFolderManifest', () => {
  it('refuses to guess class ids when no mapping is given', async () => {
    await expect(loadFolderManifest(dir)).rejects.toMatchObject({ code: 'BAD_DEFINITION', message: expect.stringMatching(/no class mapping.*apple, zebra/) });
  });

  it('uses an explicit mapping, whatever the folder order', async () => {
    const { manifest, inferred } = await loadFolderManifest(dir, { classFolders: { zebra: 0, apple: 1 } });
    expect(inferred).toBe(false);
    expect(manifest.classes).toEqual([
      { id: 0, name: 'zebra' },
      { id: 1, name: 'apple' },
    ]);
    expect(manifest.items.map((i) => [i.relPath, i.label])).toEqual([
      ['apple/a.tif', 1],
      ['apple/b.webp', 1],
      ['apple/c.bmp', 1],
      ['zebra/1.jpg', 0],
      ['zebra/2.PNG', 0],
    ]);
  });

  it('returns the inferred mapping when asked to infer one', async () => {
    const r = await loadFolderManifest(dir, { inferMapping: true });
    expect(r.inferred).toBe(true);
    expect(r.classFolders).toEqual({ apple: 0, zebra: 1 });
  });

  it('refuses a folder missing from the mapping and two folders on one id', async () => {
    await expect(loadFolderManifest(dir, { classFolders: { zebra: 0 } })).rejects.toMatchObject({ code: 'BAD_DEFINITION', file: join(dir, 'apple') });
    await expect(loadFolderManifest(dir, { classFolders: { zebra: 0, apple: 0 } })).rejects.toThrow(/same id 0/);
  });
});
