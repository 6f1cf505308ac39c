import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dHashFromThumbnail, hammingDistance, popcount32 } from '../dhash';

describe('dHash', () => {
  it('sets a bit where a pixel is darker than its right neighbour, first row most significant', () => {
    const rising = Array.from({ length: 72 }, (_, i) => i % 9);
    expect(dHashFromThumbnail(rising)).toBe('ffffffffffffffff');
    expect(dHashFromThumbnail(rising.map((v) => -v))).toBe('0000000000000000');
    const firstRowOnly = rising.map((v, i) => (i < 9 ? v : 0));
    expect(dHashFromThumbnail(firstRowOnly)).toBe('ff00000000000000');
    // Row 0: only the pair (0,1) rises -> bit pattern 1000_0000.
    const onePair = Array.from({ length: 72 }, (_, i) => (i === 1 ? 5 : 0));
    expect(dHashFromThumbnail(onePair)).toBe('8000000000000000');
    expect(() => dHashFromThumbnail([1, 2, 3])).toThrow(/72 values/);
  });

  it('popcount and Hamming distance agree with counting bits one by one', () => {
    const hex = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((b) => b.toString(16).padStart(16, '0'));
    fc.assert(
      fc.property(hex, hex, (a, b) => {
        let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
        let bits = 0;
        for (; x > 0n; x >>= 1n) bits += Number(x & 1n);
        expect(hammingDistance(a, b)).toBe(bits);
        expect(hammingDistance(a, a)).toBe(0);
      }),
    );
    expect(popcount32(0xffffffff)).toBe(32);
    expect(() => hammingDistance('xyz', '00')).toThrow(/64-bit hex/);
  });
});
