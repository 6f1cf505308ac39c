import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { DatasetError, type DatasetErrorLocation } from '../errors';
import { decodeBmp } from './bmp';
import { type ImageFormat, sniffFormat } from './sniff';

// Parallelism comes from decoding several images at once (libuv's pool runs each pipeline);
// sharp's process-wide settings (concurrency, cache) are left to the application.

/**
 * Read an image file's bytes.
 *
 * @throws DatasetError `MISSING_FILE` naming the file (and the manifest row in `where`).
 */
export async function readImageFile(path: string, where: DatasetErrorLocation = {}): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new DatasetError('MISSING_FILE', `cannot read the image (${code ?? String(cause)})`, { ...where, file: path }, { cause });
  }
}

/** An image opened for processing: its real format and a sharp pipeline already EXIF-oriented. */
export interface OpenedImage {
  format: ImageFormat;
  image: Sharp;
}

/**
 * Open image bytes by their real format (magic bytes, not the file name), EXIF-oriented.
 * BMP is decoded here (libvips cannot read it); every other format goes to libvips, which aborts
 * on truncated or corrupt pixel data.
 *
 * @throws DatasetError `UNSUPPORTED_FORMAT` (not an image we know) or `CORRUPT_IMAGE` (BMP errors).
 */
export function openImage(bytes: Buffer, where: DatasetErrorLocation = {}): OpenedImage {
  const format = sniffFormat(bytes);
  if (format === undefined) {
    const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError('UNSUPPORTED_FORMAT', `not a JPEG/PNG/BMP/TIFF/WebP/GIF image (first bytes: ${head || 'none, empty file'})`, where);
  }
  if (format === 'bmp') {
    try {
      const raw = decodeBmp(bytes);
      return { format, image: sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }) };
    } catch (cause) {
      throw new DatasetError('CORRUPT_IMAGE', `corrupt BMP: ${(cause as Error).message}`, where, { cause });
    }
  }
  return { format, image: sharp(bytes, { failOn: 'error', autoOrient: true }) };
}

/** Wrap a libvips failure as a `CORRUPT_IMAGE` error naming the file. */
export function corruptImage(cause: unknown, format: ImageFormat, where: DatasetErrorLocation): DatasetError {
  if (cause instanceof DatasetError) return cause;
  const msg = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
  return new DatasetError('CORRUPT_IMAGE', `corrupt or truncated ${format} image: ${msg}`, where, { cause });
}
