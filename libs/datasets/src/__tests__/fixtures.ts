// Fixture images made by the tests themselves (never copied from anywhere), one per quirk.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 16-bit RGB PNG written by hand (sharp casts 8-bit input to 16 bit without scaling, so it cannot make one with known values). */
export function png16(width: number, height: number, values: readonly number[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = 2;
  const raw = Buffer.alloc(height * (1 + width * 6));
  let o = 0;
  let k = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0;
    for (let x = 0; x < width * 3; x++, o += 2) raw.writeUInt16BE(values[k++], o);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A bottom-up BMP: 24-bit BGR, or 8-bit with a palette when `palette` is given (then `pixels` are indices). */
export function bmp(width: number, height: number, pixels: readonly number[], palette?: readonly [number, number, number][]): Buffer {
  const bpp = palette ? 8 : 24;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const palBytes = palette ? palette.length * 4 : 0;
  const offset = 54 + palBytes;
  const buf = Buffer.alloc(offset + stride * height);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  buf.writeUInt32LE(palette ? palette.length : 0, 46);
  palette?.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 54 + i * 4));
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      if (palette) buf[row + x] = pixels[y * width + x];
      else {
        const p = (y * width + x) * 3;
        buf.set([pixels[p + 2], pixels[p + 1], pixels[p]], row + x * 3);
      }
    }
  }
  return buf;
}

/**
 * An asymmetric 64x32 RGB raster: left half red, right half blue, with a green 8x8 block in the
 * top-left corner, so any rotation or mirror is visible.
 */
export function asymmetric(): { data: Buffer; width: number; height: number } {
  const width = 64;
  const height = 32;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < 8 && y < 8) data[o + 1] = 255;
      else if (x < 32) data[o] = 255;
      else data[o + 2] = 255;
    }
  }
  return { data, width, height };
}

/** Noise, so a JPEG of it is large and a cut-off copy loses scan data. */
export async function noiseJpeg(size = 128, seed = 1): Promise<Buffer> {
  let s = seed;
  const data = Buffer.alloc(size * size * 3).map(() => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s >>> 24;
  });
  return sharp(data, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

export interface FixtureSet {
  dir: string;
  files: Record<string, string>;
}

/** Write the quirky fixtures into a fresh temp folder. */
export async function writeFixtures(): Promise<FixtureSet> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-img-'));
  await mkdir(join(dir, 'imgs'));
  const a = asymmetric();
  const raw = { raw: { width: a.width, height: a.height, channels: 3 as const } };
  const noise = await noiseJpeg();
  const rgba = Buffer.alloc(4 * 2 * 4);
  [
    [255, 0, 0, 255],
    [0, 255, 0, 128],
    [0, 0, 255, 0],
    [10, 20, 30, 255],
    [255, 255, 255, 0],
    [1, 2, 3, 4],
    [100, 100, 100, 255],
    [0, 0, 0, 0],
  ].forEach((p, i) => rgba.set(p, i * 4));
  const contents: Record<string, Buffer> = {
    'good.jpg': noise,
    'png-named.jpg': await sharp(a.data, raw).png().toBuffer(),
    'rgba.png': await sharp(rgba, { raw: { width: 4, height: 2, channels: 4 } }).png().toBuffer(),
    'grey.png': await sharp(Buffer.from([0, 50, 100, 150, 200, 250]), { raw: { width: 3, height: 2, channels: 1 } }).png().toBuffer(),
    'palette.png': await sharp(a.data, raw).png({ palette: true, colours: 4, dither: 0 }).toBuffer(),
    'deep.png': png16(2, 1, [0, 257, 65535, 32768, 1000, 50000]),
    'exif6.jpg': await sharp(a.data, raw).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
    'plain.jpg': await sharp(a.data, raw).jpeg({ quality: 95 }).toBuffer(),
    'truecolor.bmp': bmp(3, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]),
    'indexed.bmp': bmp(2, 2, [0, 1, 1, 0], [
      [200, 100, 50],
      [5, 6, 7],
    ]),
    'truncated.jpg': noise.subarray(0, Math.floor(noise.length * 0.6)),
    'corrupt.jpg': Buffer.concat([noise.subarray(0, 20), Buffer.alloc(400, 7)]),
    'text.jpg': Buffer.from('this is not an image\n'),
    'empty.png': Buffer.alloc(0),
  };
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(contents)) {
    files[name] = join(dir, 'imgs', name);
    await writeFile(files[name], bytes);
  }
  return { dir, files };
}
