import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { add, cast, expandDims, floor, image, mean, mul, slice, tensor3d, tidy, type Tensor3D, type Tensor4D } from '@tensorflow/tfjs-core';
import { type ZooInputSpec } from '../zoo-manifest';

/** Test-only helpers: the zoo's verification images and the preprocessing verify-zoo.mjs applies. */
export const ZOO = join(process.env['TRANSFERSCOPE_SHARED'] ?? '', 'zoo', 'models');
export const DOG = join(ZOO, 'verify-images', 'dog.jpg');
export const GLIOMA = join(ZOO, '..', 'datasets', 'brain_tumor_kaggle', 'Testing', 'glioma_tumor', 'image(1).jpg');

/** Decodes an image file to an sRGB [h, w, 3] int32 tensor (alpha dropped, grey expanded), as verify-zoo does. */
export async function decodeRgb(path: string): Promise<Tensor3D> {
  const { data, info } = await sharp(await readFile(path)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels from sharp, got ${info.channels}`);
  return tensor3d(new Int32Array(data), [info.height, info.width, 3], 'int32');
}

/**
 * The zoo.json preprocessing, step by step as verify-zoo.mjs applies it: centre square crop (center-crop),
 * bilinear resize with the model's alignCorners flag, `pixel * scale + offset`, then for grayscale
 * models the channel mean and optional floor. Returns a [1, h, w, c] batch.
 */
export function preprocess(rgb: Tensor3D, input: ZooInputSpec): Tensor4D {
  return tidy(() => {
    let x = cast(rgb, 'float32') as Tensor3D;
    if (input.resizeMode === 'center-crop') {
      const [h, w] = x.shape;
      const s = Math.min(h, w);
      x = slice(x, [Math.floor((h - s) / 2), Math.floor((w - s) / 2), 0], [s, s, 3]);
    }
    x = image.resizeBilinear(x, [input.height, input.width], input.alignCorners);
    x = add(mul(x, input.scale), input.offset);
    if (input.channels === 1) {
      x = mean(x, 2, true);
      if (input.binarize === 'floor') x = floor(x);
    }
    return expandDims(x, 0) as Tensor4D;
  });
}
