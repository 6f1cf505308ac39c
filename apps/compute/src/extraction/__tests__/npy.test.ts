import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../npy';

describe('npy', () => {
  it('round-trips float32, float64 and int32 arrays with their shapes', () => {
    const f32 = Float32Array.from([1.5, -2, Math.PI, 0, 1e-30, -Infinity]);
    const back = decodeNpy(encodeNpy(f32, [2, 3]));
    expect(back.dtype).toBe('<f4');
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(f32));
    const f64 = Float64Array.from([Math.E, -1e300, Number.NaN]);
    const b64 = decodeNpy(encodeNpy(f64, [3]));
    expect(b64.dtype).toBe('<f8');
    expect(b64.shape).toEqual([3]);
    expect(Array.from(b64.data)).toEqual(Array.from(f64));
    const i32 = Int32Array.from([0, -1, 2147483647]);
    const bi = decodeNpy(encodeNpy(i32, [3, 1]));
    expect(bi.dtype).toBe('<i4');
    expect(bi.shape).toEqual([3, 1]);
    expect(Array.from(bi.data)).toEqual([0, -1, 2147483647]);
    expect(decodeNpy(encodeNpy(new Float32Array(0), [0, 4])).shape).toEqual([0, 4]);
  });

  it('writes a version 1.0 header as NEP 1 specifies, data aligned to 64 bytes', () => {
    const buf = encodeNpy(new Float32Array(6), [2, 3]);
    expect(Array.from(buf.subarray(0, 8))).toEqual([0x93, ...Buffer.from('NUMPY'), 1, 0]);
    const headerLen = buf.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = buf.subarray(10, 10 + headerLen).toString('latin1');
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith('\n')).toBe(true);
    expect(buf.length).toBe(10 + headerLen + 24);
    // One-dimensional shapes are Python 1-tuples.
    expect(encodeNpy(new Int32Array(4), [4]).toString('latin1')).toContain("'shape': (4,)");
  });

  it('refuses a shape that does not match the data and files that are not npy', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values, data has 5/);
    expect(() => encodeNpy(new Float32Array(0), [-1])).toThrow(/non-negative/);
    expect(() => decodeNpy(Buffer.from('hello world'))).toThrow(/bad magic/);
    const truncated = encodeNpy(new Float32Array(6), [2, 3]).subarray(0, 70);
    expect(() => decodeNpy(truncated)).toThrow(/needs 24/);
  });
});
