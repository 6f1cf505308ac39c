import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { asymmetric, type FixtureSet, writeFixtures } from '../../__tests__/fixtures';
import { DatasetError } from '../../errors';
import { preprocessImage } from '../preprocess';
import { sniffFormat } from '../sniff';
import { type PreprocessSpec, specFromZooInput } from '../spec';

let fx: FixtureSet;
beforeAll(async () => {
  fx = await writeFixtures();
});

/** Identity normalisation: the floats are the 8-bit pixel values. */
const pixels = (height: number, width: number, channels: 1 | 3 = 3): PreprocessSpec => ({
  height,
  width,
  channels,
  resizeMode: 'stretch',
  scale: 1,
  offset: 0,
});
const bytes = (name: string): Promise<Buffer> => readFile(fx.files[name]);
const at = (d: Float32Array, width: number, x: number, y: number, c = 3): number[] => Array.from(d.subarray((y * width + x) * c, (y * width + x + 1) * c));

describe('decoding', () => {
  it('sniffs the real format, not the file name', async () => {
    expect(sniffFormat(await bytes('png-named.jpg'))).toBe('png');
    expect(sniffFormat(await bytes('good.jpg'))).toBe('jpeg');
    expect(sniffFormat(await bytes('truecolor.bmp'))).toBe('bmp');
    expect(sniffFormat(await bytes('text.jpg'))).toBeUndefined();
    const { info, data } = await preprocessImage(await bytes('png-named.jpg'), pixels(32, 64));
    expect(info.format).toBe('png');
    expect(at(data, 64, 40, 20)).toEqual([0, 0, 255]);
  });

  it('applies EXIF orientation 6 (90 degrees clockwise): the stored left half ends up on top', async () => {
    const { info, data } = await preprocessImage(await bytes('exif6.jpg'), pixels(64, 32));
    expect([info.width, info.height]).toEqual([32, 64]);
    // Stored top-left green block -> displayed top-right; stored left (red) -> displayed top.
    const near = (got: number[], want: number[]): boolean => got.every((v, k) => Math.abs(v - want[k]) <= 40);
    expect(near(at(data, 32, 28, 3), [0, 255, 0])).toBe(true);
    expect(near(at(data, 32, 3, 3), [255, 0, 0])).toBe(true);
    expect(near(at(data, 32, 16, 20), [255, 0, 0])).toBe(true);
    expect(near(at(data, 32, 16, 50), [0, 0, 255])).toBe(true);
    // The same pixels without the tag keep their stored layout.
    const plain = await preprocessImage(await bytes('plain.jpg'), pixels(32, 64));
    expect(near(at(plain.data, 64, 3, 3), [0, 255, 0])).toBe(true);
  });

  it('drops alpha, expands grey and palette to RGB, and scales 16-bit samples to 8 bits', async () => {
    const rgba = await preprocessImage(await bytes('rgba.png'), pixels(2, 4));
    expect(Array.from(rgba.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255, 1, 2, 3, 100, 100, 100, 0, 0, 0]);
    const grey = await preprocessImage(await bytes('grey.png'), pixels(2, 3));
    expect(Array.from(grey.data)).toEqual([0, 50, 100, 150, 200, 250].flatMap((v) => [v, v, v]));
    const grey1 = await preprocessImage(await bytes('grey.png'), pixels(2, 3, 1));
    expect(Array.from(grey1.data)).toEqual([0, 50, 100, 150, 200, 250]);
    const greyTf = await preprocessImage(await bytes('grey.png'), { ...pixels(2, 3), interpolation: 'tf-bilinear' });
    expect(Array.from(greyTf.data)).toEqual([0, 50, 100, 150, 200, 250].flatMap((v) => [v, v, v]));
    const greyMean = await preprocessImage(await bytes('grey.png'), { ...pixels(2, 3, 1), grayscale: 'mean' });
    expect(Array.from(greyMean.data)).toEqual([0, 50, 100, 150, 200, 250]);
    const pal = await preprocessImage(await bytes('palette.png'), pixels(32, 64));
    const a = asymmetric();
    expect(Array.from(pal.data)).toEqual(Array.from(a.data));
    const deep = await preprocessImage(await bytes('deep.png'), pixels(1, 2));
    const want = [0, 257, 65535, 32768, 1000, 50000].map((v) => v / 257);
    Array.from(deep.data).forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(1));
  });

  it('decodes BMP (which libvips cannot) exactly, 24-bit and 8-bit palette', async () => {
    const t = await preprocessImage(await bytes('truecolor.bmp'), pixels(2, 3));
    expect(t.info.format).toBe('bmp');
    expect(Array.from(t.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const p = await preprocessImage(await bytes('indexed.bmp'), pixels(2, 2));
    expect(Array.from(p.data)).toEqual([200, 100, 50, 5, 6, 7, 5, 6, 7, 200, 100, 50]);
  });

  it('refuses truncated, corrupt and non-image bytes with the file and row named', async () => {
    const cases: [string, string][] = [
      ['truncated.jpg', 'CORRUPT_IMAGE'],
      ['corrupt.jpg', 'CORRUPT_IMAGE'],
      ['text.jpg', 'UNSUPPORTED_FORMAT'],
      ['empty.png', 'UNSUPPORTED_FORMAT'],
    ];
    for (const [name, code] of cases) {
      const where = { file: fx.files[name], row: 7 };
      const err = await preprocessImage(await bytes(name), pixels(8, 8), { where }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).code).toBe(code);
      expect((err as DatasetError).message).toContain(`${fx.files[name]}, row 7: `);
    }
  });
});

describe('preprocessing', () => {
  // 200x100: black 40-column bands left and right of white; the centre 100x100 square is white with a 10-pixel margin.
  const banded = async (): Promise<Buffer> => {
    const data = Buffer.alloc(200 * 100 * 3);
    for (let y = 0; y < 100; y++) for (let x = 40; x < 160; x++) data.fill(255, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3);
    return sharp(data, { raw: { width: 200, height: 100, channels: 3 } }).png().toBuffer();
  };

  it('center-crop scales the shorter side and keeps the centre; stretch keeps everything', async () => {
    const crop = await preprocessImage(await banded(), { ...pixels(50, 50), resizeMode: 'center-crop' });
    expect(Math.min(...crop.data)).toBeGreaterThanOrEqual(250);
    const study = await preprocessImage(await banded(), { ...pixels(40, 40), resizeMode: 'center-crop', resizeShorter: 50 });
    expect(Math.min(...study.data)).toBeGreaterThanOrEqual(250);
    const stretch = await preprocessImage(await banded(), pixels(50, 50));
    expect(at(stretch.data, 50, 2, 25)).toEqual([0, 0, 0]);
    expect(at(stretch.data, 50, 25, 25)).toEqual([255, 255, 255]);
  });

  it('normalises by scale/offset and by mean/std, per channel', async () => {
    const src = await sharp(Buffer.from([10, 120, 240]), { raw: { width: 1, height: 1, channels: 3 } }).png().toBuffer();
    const scaled = await preprocessImage(src, { ...pixels(1, 1), scale: 1 / 127.5, offset: -1 });
    [10, 120, 240].forEach((p, k) => expect(scaled.data[k]).toBeCloseTo(p / 127.5 - 1, 6));
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const ms = await preprocessImage(src, { height: 1, width: 1, channels: 3, resizeMode: 'stretch', mean, std });
    [10, 120, 240].forEach((p, k) => expect(ms.data[k]).toBeCloseTo((p / 255 - mean[k]) / std[k], 5));
  });

  it('tf-bilinear reproduces tf.image.resizeBilinear sampling (alignCorners on and off)', async () => {
    const src = await sharp(Buffer.from([0, 100, 200, 40]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const spec = { ...pixels(3, 3, 1), interpolation: 'tf-bilinear' as const };
    const aligned = await preprocessImage(src, { ...spec, alignCorners: true });
    // Corners are the source pixels, edges midpoints, centre the mean of all four.
    expect(Array.from(aligned.data)).toEqual([0, 50, 100, 100, 85, 70, 200, 120, 40]);
    const plain = await preprocessImage(src, { ...spec, alignCorners: false });
    // Sample points 0, 2/3, 4/3 (clamped to the last pixel).
    const f = (y: number, x: number): number => {
      const g = [
        [0, 100],
        [200, 40],
      ];
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const y1 = Math.min(y0 + 1, 1);
      const x1 = Math.min(x0 + 1, 1);
      const top = g[y0][x0] + (g[y0][x1] - g[y0][x0]) * (x - x0);
      const bot = g[y1][x0] + (g[y1][x1] - g[y1][x0]) * (x - x0);
      return top + (bot - top) * (y - y0);
    };
    const want = [0, 2 / 3, 4 / 3].flatMap((y) => [0, 2 / 3, 4 / 3].map((x) => f(y, x)));
    Array.from(plain.data).forEach((v, k) => expect(v).toBeCloseTo(want[k], 4));
  });

  it('tf-bilinear RGB gives, bit for bit, the floats of its definition on real MRI JPEGs and on a grey source', async () => {
    // The definition, written out: sample (y * sy, x * sx); dx is kept in float32, each interpolated pixel is
    // rounded to float32, then value = a * pixel + b in double, stored as float32.
    const reference = (src: { data: Uint8Array; width: number; height: number; channels: number }, H: number, W: number, align: boolean, a: number[], b: number[]): Float32Array => {
      const out = new Float32Array(H * W * 3);
      const sy = align ? (src.height - 1) / (H - 1) : src.height / H;
      const sx = align ? (src.width - 1) / (W - 1) : src.width / W;
      const px = (r: number, c: number, k: number): number => src.data[(r * src.width + c) * src.channels + (src.channels === 1 ? 0 : k)];
      for (let y = 0; y < H; y++) {
        const y0 = Math.floor(y * sy);
        const dy = y * sy - y0;
        const y1 = Math.min(y0 + 1, src.height - 1);
        for (let x = 0; x < W; x++) {
          const x0 = Math.floor(x * sx);
          const dx = Math.fround(x * sx - x0);
          const x1 = Math.min(x0 + 1, src.width - 1);
          for (let k = 0; k < 3; k++) {
            const top = px(y0, x0, k) + (px(y0, x1, k) - px(y0, x0, k)) * dx;
            const bot = px(y1, x0, k) + (px(y1, x1, k) - px(y1, x0, k)) * dx;
            out[(y * W + x) * 3 + k] = a[k] * Math.fround(top + (bot - top) * dy) + b[k];
          }
        }
      }
      return out;
    };
    const testing = `${process.env['TRANSFERSCOPE_SHARED']}/zoo/datasets/brain_tumor_kaggle/Testing`;
    const files = ['glioma_tumor/image(1).jpg', 'no_tumor/image(1).jpg', 'meningioma_tumor/image(10).jpg', 'pituitary_tumor/image(10).jpg'].map((f) => `${testing}/${f}`);
    const sources = [...(await Promise.all(files.map((f) => readFile(f)))), await bytes('grey.png')];
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (const src of sources) {
      const raw = await sharp(src).raw().toBuffer({ resolveWithObject: true });
      const decoded = { data: raw.data, width: raw.info.width, height: raw.info.height, channels: raw.info.channels };
      for (const [size, align] of [[224, true], [299, true], [37, false]] as const) {
        const scaled = await preprocessImage(src, { height: size, width: size, channels: 3, resizeMode: 'stretch', interpolation: 'tf-bilinear', alignCorners: align, scale: 1 / 255, offset: 0 });
        expect(Buffer.compare(Buffer.from(scaled.data.buffer), Buffer.from(reference(decoded, size, size, align, [1 / 255, 1 / 255, 1 / 255], [0, 0, 0]).buffer))).toBe(0);
        const normed = await preprocessImage(src, { height: size, width: size, channels: 3, resizeMode: 'stretch', interpolation: 'tf-bilinear', alignCorners: align, mean, std });
        const a = std.map((s) => 1 / (255 * s));
        const b = mean.map((m, k) => -m / std[k]);
        expect(Buffer.compare(Buffer.from(normed.data.buffer), Buffer.from(reference(decoded, size, size, align, a, b).buffer))).toBe(0);
      }
    }
  });

  it('maps every zoo model input spec, including DoodleNet\'s inverted, binarised mean-grey', async () => {
    const zoo = JSON.parse(await readFile(`${process.env['TRANSFERSCOPE_SHARED']}/zoo/models/zoo.json`, 'utf8')) as { models: { id: string; input: Parameters<typeof specFromZooInput>[0] }[] };
    for (const m of zoo.models) {
      const spec = specFromZooInput(m.input);
      expect([spec.height, spec.width, spec.channels]).toEqual([m.input.height, m.input.width, m.input.channels]);
    }
    const doodle = specFromZooInput(zoo.models.find((m) => m.id === 'doodlenet-quickdraw345')?.input as Parameters<typeof specFromZooInput>[0]);
    expect(doodle).toMatchObject({ channels: 1, grayscale: 'mean', binarize: 'floor', interpolation: 'tf-bilinear', alignCorners: false });
    // Black ink becomes 1, white paper and grey become 0.
    const src = await sharp(Buffer.from([0, 0, 0, 255, 255, 255, 128, 128, 128, 0, 0, 0]), { raw: { width: 2, height: 2, channels: 3 } }).png().toBuffer();
    const out = await preprocessImage(src, { ...doodle, height: 2, width: 2 });
    expect(Array.from(out.data)).toEqual([1, 0, 0, 1]);
  });

  it('refuses an inconsistent spec, naming the field', async () => {
    const src = await bytes('grey.png');
    await expect(preprocessImage(src, { ...pixels(4, 4), mean: [0, 0, 0], std: [1, 1, 1] })).rejects.toMatchObject({ code: 'BAD_SPEC', field: 'mean' });
    await expect(preprocessImage(src, { ...pixels(4, 4), resizeShorter: 8 })).rejects.toMatchObject({ field: 'resizeShorter' });
    await expect(preprocessImage(src, { ...pixels(4, 4), width: 0 })).rejects.toMatchObject({ field: 'width' });
  });
});
