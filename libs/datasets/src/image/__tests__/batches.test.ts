import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FixtureSet, writeFixtures } from '../../__tests__/fixtures';
import { sharedRoot } from '../../__tests__/support';
import { DatasetError } from '../../errors';
import { csvTextToManifest } from '../../manifest/csv-manifest';
import { loadSplit } from '../../manifest/definition';
import { DatasetRegistry } from '../../registry/registry';
import { type Manifest } from '../../types';
import { iterateBatches } from '../batches';
import { preprocessImage } from '../preprocess';
import { readImageFile } from '../decode';
import { type PreprocessSpec } from '../spec';

let fx: FixtureSet;
beforeAll(async () => {
  fx = await writeFixtures();
});
const spec: PreprocessSpec = { height: 16, width: 16, channels: 3, resizeMode: 'center-crop', scale: 1 / 255, offset: 0 };

function manifestOf(names: string[]): Manifest {
  const csv = ['image,label', ...names.map((n, i) => `/imgs/${n},${i % 2}`)].join('\n');
  return csvTextToManifest(csv, join(fx.dir, 'list.csv'), { dataRoot: fx.dir });
}

async function collect(stream: AsyncIterable<{ images: Float32Array; labels: Int32Array; paths: string[]; shape: number[] }>) {
  const out = [];
  for await (const b of stream) out.push(b);
  return out;
}

describe('iterateBatches', () => {
  const good = ['good.jpg', 'png-named.jpg', 'rgba.png', 'grey.png', 'palette.png', 'deep.png', 'exif6.jpg', 'truecolor.bmp'];

  it('yields NHWC float32 batches in manifest order, each image as preprocessImage makes it', async () => {
    const m = manifestOf(good);
    const batches = await collect(iterateBatches(m, { spec, batchSize: 3, concurrency: 3 }));
    expect(batches.map((b) => b.shape)).toEqual([
      [3, 16, 16, 3],
      [3, 16, 16, 3],
      [2, 16, 16, 3],
    ]);
    const all = batches.flatMap((b) => b.paths);
    expect(all).toEqual(m.items.map((i) => i.path));
    expect(batches.flatMap((b) => Array.from(b.labels))).toEqual(m.items.map((i) => i.label));
    const per = 16 * 16 * 3;
    for (const [k, item] of m.items.entries()) {
      const one = await preprocessImage(await readImageFile(item.path), spec);
      const b = batches[Math.floor(k / 3)];
      expect(b.images.subarray((k % 3) * per, (k % 3 + 1) * per)).toEqual(one.data);
    }
  });

  it('a released batch buffer is filled again for a later full batch, with the right images; the short last batch is never recycled', async () => {
    const m = manifestOf(good);
    const per = 16 * 16 * 3;
    const want = await Promise.all(m.items.map(async (item) => (await preprocessImage(await readImageFile(item.path), spec)).data));
    const seen: Float32Array[] = [];
    let k = 0;
    for await (const b of iterateBatches(m, { spec, batchSize: 3, concurrency: 2 })) {
      for (let i = 0; i < b.shape[0]; i++, k++) expect(b.images.subarray(i * per, (i + 1) * per)).toEqual(want[k]);
      seen.push(b.images);
      b.release();
      b.release(); // twice does nothing: the buffer is not handed out to two batches
    }
    expect(k).toBe(good.length);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[0]);
  });

  it('policy fail: the first bad image throws, naming the image, the CSV and its row', async () => {
    const m = manifestOf(['good.jpg', 'truncated.jpg', 'good.jpg']);
    const err = await collect(iterateBatches(m, { spec, batchSize: 2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe('CORRUPT_IMAGE');
    expect((err as DatasetError).row).toBe(3);
    expect((err as DatasetError).message).toMatch(new RegExp(`truncated\\.jpg, row 3: corrupt or truncated jpeg image: .*\\(listed in .*list\\.csv row 3\\)`));
    const missing = await collect(iterateBatches(manifestOf(['nope.jpg']), { spec })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'MISSING_FILE', row: 2 });
  });

  it('policy skip: leaves bad images out, fills batches with the next good ones and reports each', async () => {
    const m = manifestOf(['good.jpg', 'truncated.jpg', 'text.jpg', 'grey.png', 'missing.png', 'corrupt.jpg', 'rgba.png']);
    const stream = iterateBatches(m, { spec, batchSize: 2, errorPolicy: 'skip', concurrency: 2 });
    const batches = await collect(stream);
    expect(batches.map((b) => b.paths.map((p) => p.slice(p.lastIndexOf('/') + 1)))).toEqual([['good.jpg', 'grey.png'], ['rgba.png']]);
    expect(stream.skipped.map((s) => [s.row, s.code])).toEqual([
      [3, 'CORRUPT_IMAGE'],
      [4, 'UNSUPPORTED_FORMAT'],
      [6, 'MISSING_FILE'],
      [7, 'CORRUPT_IMAGE'],
    ]);
  });

  it('shuffle and augmentation are seeded: same seed same batches, whatever the concurrency', async () => {
    const m = manifestOf(good);
    const run = (concurrency: number, epoch: number) =>
      collect(iterateBatches(m, { spec, batchSize: 4, concurrency, shuffle: true, augment: true, seed: 11, epoch }));
    const [a, b, c] = await Promise.all([run(1, 0), run(4, 0), run(1, 1)]);
    expect(b.map((x) => x.paths)).toEqual(a.map((x) => x.paths));
    expect(b.map((x) => Array.from(x.images))).toEqual(a.map((x) => Array.from(x.images)));
    expect(a.flatMap((x) => x.paths).sort()).toEqual(m.items.map((i) => i.path).sort());
    expect(c.map((x) => Array.from(x.images))).not.toEqual(a.map((x) => Array.from(x.images)));
  });

  it('decodes real brain-MRI images: a sample of the Kaggle test split and the three PNGs named .jpg', async () => {
    const registry = DatasetRegistry.builtin({ sharedRoot: sharedRoot() });
    const test = await loadSplit(registry.get('brain_tumor_kaggle'), 'test');
    const sample: Manifest = { ...test, items: test.items.filter((_, i) => i % 40 === 0) };
    const study: PreprocessSpec = { height: 224, width: 224, channels: 3, resizeMode: 'center-crop', resizeShorter: 256, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    let n = 0;
    for await (const b of iterateBatches(sample, { spec: study, batchSize: 4 })) {
      n += b.shape[0];
      expect(b.images.every((v) => Number.isFinite(v) && v > -2.2 && v < 2.7)).toBe(true);
    }
    expect(n).toBe(sample.items.length);

    const ood = await loadSplit(registry.get('brain_mri_ood'), 'test');
    const pngs: Manifest = { ...ood, items: [] };
    for (const item of ood.items.filter((i) => i.label === 0)) {
      const head = (await readImageFile(item.path)).subarray(0, 4);
      if (head.toString('latin1') === '\x89PNG') pngs.items.push(item);
    }
    expect(pngs.items).toHaveLength(3);
    const [batch] = await collect(iterateBatches(pngs, { spec: study, batchSize: 3 }));
    expect(batch.shape).toEqual([3, 224, 224, 3]);
    // Real content, not a blank: each image has spread.
    for (let k = 0; k < 3; k++) {
      const img = batch.images.subarray(k * 224 * 224 * 3, (k + 1) * 224 * 224 * 3);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of img) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      expect(hi - lo).toBeGreaterThan(1);
    }
  });
});
