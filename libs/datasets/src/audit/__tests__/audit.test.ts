import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { noiseJpeg, type FixtureSet, writeFixtures } from '../../__tests__/fixtures';
import { sharedRoot, zooDatasetsDir } from '../../__tests__/support';
import { csvTextToManifest } from '../../manifest/csv-manifest';
import { loadSplit } from '../../manifest/definition';
import { DatasetRegistry } from '../../registry/registry';
import { auditDefinition, auditManifests } from '../audit';
import { buildAuditReport } from '../report';
import { hammingDistance } from '../dhash';
import { scanFiles } from '../scan';

let fx: FixtureSet;
beforeAll(async () => {
  fx = await writeFixtures();
  // A smooth picture and a near-copy of it: re-encoded smaller, so different bytes but the same picture.
  const grad = Buffer.alloc(64 * 64 * 3);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) grad.set([x * 4, y * 4, 128], (y * 64 + x) * 3);
  const gradient = await sharp(grad, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  await writeFile(join(fx.dir, 'imgs', 'gradient.png'), gradient);
  await writeFile(join(fx.dir, 'imgs', 'near.jpg'), await sharp(gradient).resize(40, 40).jpeg({ quality: 70 }).toBuffer());
  await writeFile(join(fx.dir, 'imgs', 'copy.jpg'), readFileSync(fx.files['plain.jpg']));
  await writeFile(join(fx.dir, 'imgs', 'other.jpg'), await noiseJpeg(128, 99));
});

const classes = [
  { id: 0, name: 'x' },
  { id: 1, name: 'y' },
];
const manifest = (rows: [string, number][]) =>
  csvTextToManifest(['image,label', ...rows.map(([p, l]) => `/imgs/${p},${l}`)].join('\n'), join(fx.dir, 'm.csv'), { dataRoot: fx.dir, classes });

describe('audit on generated fixtures', () => {
  it('finds missing and unreadable files, a PNG named .jpg, identical and near-identical images across splits', async () => {
    const train = manifest([
      ['good.jpg', 0],
      ['plain.jpg', 1],
      ['truncated.jpg', 0],
      ['png-named.jpg', 1],
      ['gradient.png', 0],
    ]);
    const test = manifest([
      ['near.jpg', 0],
      ['copy.jpg', 1],
      ['gone.jpg', 0],
      ['other.jpg', 1],
    ]);
    const r = await auditManifests('fixtures', classes, [
      { name: 'train', manifest: train },
      { name: 'test', manifest: test },
    ]);
    expect(r.problems.map((p) => [p.split, p.relPath, p.row, p.status])).toEqual([
      ['train', 'imgs/truncated.jpg', 4, 'unreadable'],
      ['test', 'imgs/gone.jpg', 4, 'missing'],
    ]);
    expect(r.images.formatMismatches).toEqual([{ relPath: 'imgs/png-named.jpg', claimed: 'jpeg', actual: 'png' }]);
    // Near pairs: png-named.jpg, which is plain.jpg's picture as PNG (plain.jpg itself is byte-identical
    // to copy.jpg, so that pair counts as identical, not near), and the re-encoded gradient.
    expect(r.leakage).toEqual([{ a: 'train', b: 'test', exactGroups: 1, exactFiles: 2, sharedPaths: 0, nearPairs: 2, nearPairsSameLabel: 2, verdict: 'leak' }]);
    expect(r.nearDuplicates.examples.map((e) => [e.a.relPath, e.b.relPath])).toEqual([
      ['imgs/png-named.jpg', 'imgs/copy.jpg'],
      ['imgs/gradient.png', 'imgs/near.jpg'],
    ]);

    const header = await auditManifests('fixtures', classes, [{ name: 'train', manifest: train }], { depth: 'header' });
    // Without decoding, the truncated file looks fine: that is what `full` is for.
    expect(header.problems).toEqual([]);
    expect(header.nearDuplicates).toMatchObject({ computed: false, crossSplitPairs: null });
  });
});

/** sha256 of every file under a folder, by path, computed here without the library. */
function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  }
  return out;
}

describe('audit on the real brain-tumor data', () => {
  const registry = DatasetRegistry.builtin({ sharedRoot: sharedRoot() });

  it('finds the byte-identical groups of brain_tumor_kaggle, within and across the splits (header scan of all 3,264 files)', async () => {
    const def = registry.get('brain_tumor_kaggle');
    const report = await auditDefinition(def, { depth: 'header' });
    const root = join(zooDatasetsDir(), 'brain_tumor_kaggle');
    const hashes = new Map([...hashTree(join(root, 'Training')), ...hashTree(join(root, 'Testing'))]);
    const groups = new Map<string, string[]>();
    for (const [p, h] of hashes) groups.set(h, [...(groups.get(h) ?? []), p]);
    const dup = [...groups.values()].filter((g) => g.length > 1);
    // Every image is in exactly one split, so folder duplicates and split duplicates coincide.
    expect(report.totals).toMatchObject({ entries: hashes.size, files: hashes.size, ok: hashes.size });
    expect(report.exactDuplicates.groups).toBe(dup.length);
    expect(report.exactDuplicates.entries).toBe(dup.reduce((n, g) => n + g.length, 0));
    expect(dup.length).toBeGreaterThan(0);

    const splitOf = new Map<string, string>();
    for (const name of ['train', 'val', 'test']) for (const it of (await loadSplit(def, name)).items) splitOf.set(it.path, name);
    for (const pair of report.leakage) {
      const crossing = dup.filter((g) => g.some((p) => splitOf.get(p) === pair.a) && g.some((p) => splitOf.get(p) === pair.b));
      expect(pair.exactGroups).toBe(crossing.length);
      expect(pair.exactFiles).toBe(crossing.flat().filter((p) => splitOf.get(p) === pair.a || splitOf.get(p) === pair.b).length);
      expect(pair.verdict).toBe(crossing.length > 0 ? 'leak' : 'clean');
    }
    const testLeak = report.leakage.find((l) => l.a === 'train' && l.b === 'test');
    expect(testLeak?.verdict).toBe('leak');
  });

  it('counts near-duplicate pairs between val and test exactly as a brute-force comparison of the dHashes', async () => {
    const def = registry.get('brain_tumor_kaggle');
    const val = await loadSplit(def, 'val');
    const test = await loadSplit(def, 'test');
    // One full scan (every image decoded) feeds both the report and the brute-force count.
    const files = await scanFiles([...val.items, ...test.items].map((i) => i.path));
    const report = buildAuditReport(def.id, def.classes, [
      { name: 'val', items: val.items },
      { name: 'test', items: test.items },
    ], files);
    let near = 0;
    let sameLabel = 0;
    for (const a of val.items) {
      for (const b of test.items) {
        const fa = files.get(a.path);
        const fb = files.get(b.path);
        if (fa?.status !== 'ok' || fb?.status !== 'ok' || fa.dhash === undefined || fb.dhash === undefined) continue;
        if (fa.sha256 === fb.sha256) expect(hammingDistance(fa.dhash, fb.dhash)).toBe(0);
        else if (hammingDistance(fa.dhash, fb.dhash) <= 4) {
          near++;
          if (a.label === b.label) sameLabel++;
        }
      }
    }
    expect(report.leakage[0].nearPairs).toBe(near);
    expect(report.leakage[0].nearPairsSameLabel).toBe(sameLabel);
    expect(report.nearDuplicates.byDistance?.reduce((x, y) => x + y, 0)).toBe(near);
    expect(report.problems).toEqual([]);
  });
});
