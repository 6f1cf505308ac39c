import { type Rng } from './rng';

/**
 * Training augmentations, as the study used them (torchvision): RandomResizedCrop with area
 * scale in [0.75, 1] and aspect ratio in [3/4, 4/3], horizontal and vertical flips (p = 0.5 each),
 * rotation by an angle uniform in [-45, 45] degrees (same size, black corners), and a hue shift
 * uniform in [-0.2, 0.2] of the colour circle.
 */
export interface AugmentOptions {
  scale?: readonly [number, number];
  ratio?: readonly [number, number];
  hflip?: number;
  vflip?: number;
  /** Maximum absolute rotation in degrees. */
  rotation?: number;
  /** Maximum absolute hue shift as a fraction of the circle (0.2 = 72 degrees). */
  hue?: number;
}

export const STUDY_AUGMENTATION: Required<AugmentOptions> = {
  scale: [0.75, 1],
  ratio: [3 / 4, 4 / 3],
  hflip: 0.5,
  vflip: 0.5,
  rotation: 45,
  hue: 0.2,
};

/** The augmentation drawn for one image. */
export interface AugmentParams {
  /** Crop box in source pixels (after EXIF orientation). */
  crop: { left: number; top: number; width: number; height: number };
  hflip: boolean;
  vflip: boolean;
  /** Degrees, counter-clockwise positive as in torchvision. */
  angle: number;
  /** Hue shift in whole degrees. */
  hueDegrees: number;
}

/**
 * Draw one image's augmentation. The crop follows torchvision's RandomResizedCrop: up to 10
 * tries of (area, log-uniform ratio) that fit, else the centre crop at the nearest allowed ratio.
 */
export function sampleAugmentation(rng: Rng, width: number, height: number, options: AugmentOptions = {}): AugmentParams {
  const o = { ...STUDY_AUGMENTATION, ...options };
  const area = width * height;
  let crop: AugmentParams['crop'] | undefined;
  const [lr0, lr1] = [Math.log(o.ratio[0]), Math.log(o.ratio[1])];
  for (let attempt = 0; attempt < 10 && crop === undefined; attempt++) {
    const target = area * (o.scale[0] + rng() * (o.scale[1] - o.scale[0]));
    const ratio = Math.exp(lr0 + rng() * (lr1 - lr0));
    const w = Math.round(Math.sqrt(target * ratio));
    const h = Math.round(Math.sqrt(target / ratio));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      crop = { left: Math.floor(rng() * (width - w + 1)), top: Math.floor(rng() * (height - h + 1)), width: w, height: h };
    }
  }
  if (crop === undefined) {
    const r = width / height;
    let w = width;
    let h = height;
    if (r < o.ratio[0]) h = Math.round(w / o.ratio[0]);
    else if (r > o.ratio[1]) w = Math.round(h * o.ratio[1]);
    crop = { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
  }
  const hflip = rng() < o.hflip;
  const vflip = rng() < o.vflip;
  const angle = (rng() * 2 - 1) * o.rotation;
  // libvips takes whole degrees.
  const hueDegrees = Math.round((rng() * 2 - 1) * o.hue * 360);
  return { crop, hflip, vflip, angle, hueDegrees };
}
