/** A decoded raster: interleaved 8-bit samples, row-major, top row first. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * Decode a Windows BMP, which libvips (and so sharp) cannot read. Supports the common layouts:
 * BITMAPINFOHEADER or later, uncompressed (BI_RGB) 1/4/8-bit palette, 24-bit BGR and 32-bit BGRX,
 * and 32-bit BI_BITFIELDS with byte-aligned masks. Rows are padded to 4 bytes; a negative height
 * means top-down.
 *
 * @throws Error with what is unsupported or out of bounds (the caller wraps it with the file name).
 */
export function decodeBmp(buf: Uint8Array): RawImage {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 54) throw new Error('BMP header truncated');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new Error(`BMP core header (size ${headerSize}) is not supported`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || width > 65535 || height > 65535) throw new Error(`BMP size ${width}x${height} is invalid`);

  let masks: [number, number, number, number] | undefined;
  if (compression === 3 && bpp === 32) {
    // Masks follow the 40-byte header (or sit inside a V4/V5 header at the same offsets).
    masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), headerSize >= 56 ? view.getUint32(66, true) : 0];
  } else if (compression !== 0) {
    throw new Error(`BMP compression ${compression} (bit depth ${bpp}) is not supported`);
  }
  if (![1, 4, 8, 24, 32].includes(bpp)) throw new Error(`BMP bit depth ${bpp} is not supported`);

  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const colours = view.getUint32(46, true) || 1 << bpp;
    const start = 14 + headerSize;
    if (start + colours * 4 > buf.length) throw new Error('BMP palette truncated');
    palette = buf.subarray(start, start + colours * 4);
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('BMP pixel data truncated');

  const hasAlpha = masks !== undefined && masks[3] !== 0;
  const channels: 3 | 4 = hasAlpha ? 4 : 3;
  const out = Buffer.alloc(width * height * channels);
  const shiftOf = (m: number): number => (m === 0 ? 0 : 31 - Math.clz32(m & -m));
  for (let y = 0; y < height; y++) {
    const src = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      let r: number, g: number, b: number;
      let a = 255;
      if (palette !== undefined) {
        const bitPos = x * bpp;
        const byte = buf[src + (bitPos >> 3)];
        const index = bpp === 8 ? byte : (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        if (index * 4 + 2 >= palette.length) throw new Error(`BMP palette index ${index} out of range`);
        b = palette[index * 4];
        g = palette[index * 4 + 1];
        r = palette[index * 4 + 2];
      } else if (masks !== undefined) {
        const v = view.getUint32(src + x * 4, true);
        [r, g, b, a] = masks.map((m) => (m === 0 ? 255 : ((v & m) >>> shiftOf(m)) & 0xff)) as [number, number, number, number];
      } else {
        const p = src + x * (bpp >> 3);
        b = buf[p];
        g = buf[p + 1];
        r = buf[p + 2];
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = a;
    }
  }
  return { data: out, width, height, channels };
}
