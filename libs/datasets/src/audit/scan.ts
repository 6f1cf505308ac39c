import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../errors';
import { corruptImage, openImage } from '../image/decode';
import { formatFromExtension, type ImageFormat } from '../image/sniff';
import { dHashFromThumbnail } from './dhash';

/** What the audit learns about one file. */
export type FileInfo =
  | { path: string; status: 'missing'; error: string }
  | { path: string; status: 'unreadable'; error: string; code: string; bytes: number; sha256: string; format?: ImageFormat }
  | {
      path: string;
      status: 'ok';
      bytes: number;
      sha256: string;
      /** Real format, from the magic bytes. */
      format: ImageFormat;
      /** Format the file name claims, when it names one. */
      claimedFormat?: ImageFormat;
      /** After EXIF orientation. */
      width: number;
      height: number;
      /** Bands as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA/CMYK. */
      channels: number;
      /** Sample depth as stored (uchar, ushort, ...); palette images report their palette flag in `palette`. */
      depth: string;
      palette: boolean;
      /** 64-bit dHash, 16 hex digits; absent when scanned with `decode: 'header'`. */
      dhash?: string;
    };

/**
 * How deep a scan looks. `full` decodes every image (for the dHash), so an `ok` file is known to
 * decode; `header` reads only the header (dimensions, channels): ~10x faster, finds missing files,
 * unknown formats and exact duplicates, but not truncated pixel data nor near-duplicates.
 */
export type ScanDepth = 'full' | 'header';

/**
 * Read one file and learn its size, sha256 of the bytes, real format, dimensions, channels and
 * (depth `full`) dHash. Never throws for a bad file: the problem is in the result.
 */
export async function scanFile(path: string, depth: ScanDepth = 'full'): Promise<FileInfo> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return { path, status: 'missing', error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let format: ImageFormat | undefined;
  try {
    const opened = openImage(bytes, { file: path });
    format = opened.format;
    const meta = await opened.image.metadata();
    // Grey 9x8 thumbnail; the resize lets libjpeg decode at 1/8 scale, which keeps the scan fast.
    const thumb = depth === 'full' ? await opened.image.clone().greyscale().resize(9, 8, { fit: 'fill', kernel: 'linear' }).raw().toBuffer() : undefined;
    const rotated = (meta.orientation ?? 1) >= 5;
    return {
      path,
      status: 'ok',
      bytes: bytes.length,
      sha256,
      format,
      claimedFormat: formatFromExtension(path),
      width: (rotated ? meta.height : meta.width) ?? 0,
      height: (rotated ? meta.width : meta.height) ?? 0,
      channels: meta.channels ?? 0,
      depth: meta.depth ?? 'unknown',
      palette: meta.isPalette === true,
      dhash: thumb && dHashFromThumbnail(thumb),
    };
  } catch (e) {
    const err = e instanceof DatasetError ? e : corruptImage(e, format ?? 'jpeg', { file: path });
    return { path, status: 'unreadable', error: err.detail, code: err.code, bytes: bytes.length, sha256, format };
  }
}

/**
 * Scan many files, `concurrency` at a time (default 4), each path once.
 * @param onProgress - called with the number done so far, now and then.
 */
export async function scanFiles(
  paths: readonly string[],
  options: { concurrency?: number; depth?: ScanDepth; onProgress?: (done: number, total: number) => void } = {},
): Promise<Map<string, FileInfo>> {
  const unique = [...new Set(paths)];
  const out = new Map<string, FileInfo>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const p = unique[next++];
      out.set(p, await scanFile(p, options.depth));
      if (out.size % 250 === 0) options.onProgress?.(out.size, unique.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return out;
}
