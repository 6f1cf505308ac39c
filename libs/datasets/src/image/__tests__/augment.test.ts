import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FixtureSet, writeFixtures } from '../../__tests__/fixtures';
import { sampleAugmentation, STUDY_AUGMENTATION } from '../augment';
import { preprocessImage } from '../preprocess';
import { mulberry32 } from '../rng';
import { type PreprocessSpec } from '../spec';

let fx: FixtureSet;
beforeAll(async () => {
  fx = await writeFixtures();
});
const spec: PreprocessSpec = { height: 32, width: 64, channels: 3, resizeMode: 'stretch', scale: 1, offset: 0 };

describe('sampleAugmentation', () => {
  it('draws crops inside the image with the study\'s area and ratio ranges, angles within 45 degrees', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 800 }), fc.integer({ min: 8, max: 800 }), (seed, w, h) => {
        const p = sampleAugmentation(mulberry32(seed), w, h);
        const { left, top, width, height } = p.crop;
        expect(left >= 0 && top >= 0 && width >= 1 && height >= 1 && left + width <= w && top + height <= h).toBe(true);
        expect(Math.abs(p.angle)).toBeLessThanOrEqual(STUDY_AUGMENTATION.rotation);
        expect(Math.abs(p.hueDegrees)).toBeLessThanOrEqual(STUDY_AUGMENTATION.hue * 360);
        // The area rule holds up to rounding, except for the fallback crop of very elongated images.
        const ratio = w / h;
        if (ratio >= 3 / 4 && ratio <= 4 / 3 && w >= 32 && h >= 32) {
          const area = (width * height) / (w * h);
          expect(area).toBeGreaterThan(0.75 - 0.05);
          expect(area).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is reproducible from the seed and differs between seeds', () => {
    expect(sampleAugmentation(mulberry32(7), 512, 512)).toEqual(sampleAugmentation(mulberry32(7), 512, 512));
    const draws = new Set(Array.from({ length: 20 }, (_, s) => JSON.stringify(sampleAugmentation(mulberry32(s), 512, 512))));
    expect(draws.size).toBe(20);
  });
});

describe('augmented preprocessing', () => {
  it('a forced horizontal flip with a full crop mirrors the plain result', async () => {
    const bytes = await readFile(fx.files['png-named.jpg']);
    const plain = await preprocessImage(bytes, spec);
    const flipped = await preprocessImage(bytes, spec, {
      augment: { rng: mulberry32(1), options: { scale: [1, 1], ratio: [2, 2], hflip: 1, vflip: 0, rotation: 0, hue: 0 } },
    });
    expect(flipped.info.augment?.crop).toEqual({ left: 0, top: 0, width: 64, height: 32 });
    const mirrored = new Float32Array(plain.data.length);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 64; x++) mirrored.set(plain.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3), (y * 64 + 63 - x) * 3);
    expect(Array.from(flipped.data)).toEqual(Array.from(mirrored));
  });

  it('rotation keeps the size and blackens the corners; the same seed gives the same floats', async () => {
    const bytes = await readFile(fx.files['good.jpg']);
    const square: PreprocessSpec = { ...spec, height: 48, width: 48 };
    const opts = { scale: [1, 1] as const, ratio: [1, 1] as const, hflip: 0, vflip: 0, rotation: 45, hue: 0 };
    let seed = 0;
    while (Math.abs(sampleAugmentation(mulberry32(seed), 128, 128, opts).angle) < 30) seed++;
    const a = await preprocessImage(bytes, square, { augment: { rng: mulberry32(seed), options: opts } });
    const b = await preprocessImage(bytes, square, { augment: { rng: mulberry32(seed), options: opts } });
    expect(a.data).toEqual(b.data);
    expect(a.data).toHaveLength(48 * 48 * 3);
    expect(Math.abs(a.info.augment?.angle ?? 0)).toBeGreaterThanOrEqual(30);
    expect(Array.from(a.data.subarray(0, 3))).toEqual([0, 0, 0]);
    const c = await preprocessImage(bytes, square, { augment: { rng: mulberry32(seed + 1) } });
    expect(c.data).not.toEqual(a.data);
  });

  it('hue jitter turns red towards another hue and leaves grey alone', async () => {
    const bytes = await readFile(fx.files['png-named.jpg']);
    const opts = { scale: [1, 1] as const, ratio: [2, 2] as const, hflip: 0, vflip: 0, rotation: 0, hue: 0.2 };
    let seed = 0;
    // Find a draw with a large shift, so the change is unmistakable.
    while (Math.abs(sampleAugmentation(mulberry32(seed), 64, 32, opts).hueDegrees) < 40) seed++;
    const shifted = await preprocessImage(bytes, spec, { augment: { rng: mulberry32(seed), options: opts } });
    const red = Array.from(shifted.data.subarray((16 * 64 + 20) * 3, (16 * 64 + 20) * 3 + 3));
    expect(red[1] + red[2]).toBeGreaterThan(60);
    const grey = await preprocessImage(await readFile(fx.files['grey.png']), { ...spec, height: 2, width: 3 }, { augment: { rng: mulberry32(seed), options: opts } });
    for (let i = 0; i < grey.data.length; i += 3) expect(Math.abs(grey.data[i] - grey.data[i + 1]) + Math.abs(grey.data[i] - grey.data[i + 2])).toBeLessThanOrEqual(2);
  });
});
