/** Image formats recognised by their first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'bmp' | 'tiff' | 'webp' | 'gif';

/**
 * The real format of an image from its magic bytes, or `undefined` when none matches. The file
 * name is not consulted: real datasets hold PNGs named `.jpg`.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const at = (i: number, ...values: number[]): boolean => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x42, 0x4d) && bytes.length >= 26) return 'bmp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  return undefined;
}

/** The format a file name claims (by its ending), for reporting mismatches. */
export function formatFromExtension(path: string): ImageFormat | undefined {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const map: Record<string, ImageFormat> = {
    jpg: 'jpeg',
    jpeg: 'jpeg',
    jpe: 'jpeg',
    png: 'png',
    bmp: 'bmp',
    tif: 'tiff',
    tiff: 'tiff',
    webp: 'webp',
    gif: 'gif',
  };
  return map[ext];
}
