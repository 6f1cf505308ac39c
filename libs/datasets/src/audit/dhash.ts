/**
 * dHash ("difference hash") of a 9x8 grey thumbnail: bit (y, x) is 1 when pixel (y, x) is darker
 * than its right neighbour (y, x + 1), for x < 8, y < 8, row-major from the top-left; 64 bits.
 * Robust to scaling, mild compression and brightness shifts; identical images give identical
 * hashes, visually similar ones a small Hamming distance.
 *
 * @param thumb - 72 grey values, 9 wide and 8 high, row-major.
 * @returns the hash as 16 lower-case hex digits (first row in the most significant bits).
 *
 * References: N. Krawetz, "Kind of like that", The Hacker Factor Blog, 2013.
 */
export function dHashFromThumbnail(thumb: ArrayLike<number>): string {
  if (thumb.length !== 72) throw new RangeError(`dHash needs a 9x8 thumbnail (72 values), got ${thumb.length}`);
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (thumb[y * 9 + x] < thumb[y * 9 + x + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** A 64-bit hash as two unsigned 32-bit halves, for fast Hamming distances. */
export function hashWords(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`not a 64-bit hex hash: "${hex}"`);
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0];
}

/** Number of set bits of a 32-bit integer (SWAR popcount). */
export function popcount32(v: number): number {
  let x = v >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two 64-bit hashes given as hex. */
export function hammingDistance(a: string, b: string): number {
  const [a0, a1] = hashWords(a);
  const [b0, b1] = hashWords(b);
  return popcount32(a0 ^ b0) + popcount32(a1 ^ b1);
}
