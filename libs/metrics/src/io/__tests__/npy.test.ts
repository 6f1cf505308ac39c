import { describe, expect, it } from 'vitest';
import { NpyError, parseNpy, writeNpy } from '../npy';

/** Builds a .npy by hand (independently of writeNpy) with the given descr, header dict and raw payload. */
function handmade(headerDict: string, payload: Uint8Array, version = 1): Uint8Array {
  const header = headerDict + '\n';
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(payload, pre + header.length);
  return out;
}

describe('parseNpy', () => {
  it('round-trips float64 and int64 through writeNpy (64-byte aligned header)', () => {
    const f = writeNpy([1.5, -2, 1e-300, Math.PI, 0, 7], [2, 3]);
    expect((f.length - 48) % 64).toBe(0);
    const a = parseNpy(f);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1.5, -2, 1e-300, Math.PI, 0, 7]);
    const l = parseNpy(writeNpy([0, 1, 2, 1], [4], '<i8'));
    expect(l.descr).toBe('<i8');
    expect(l.kind).toBe('int');
    expect(Array.from(l.data)).toEqual([0, 1, 2, 1]);
  });

  it('reads big-endian float32, little-endian int32, uint8 and format 2.0', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 0.25, false);
    new DataView(be.buffer).setFloat32(4, -3, false);
    expect(Array.from(parseNpy(handmade("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be)).data)).toEqual([0.25, -3]);
    const i4 = new Uint8Array(8);
    new DataView(i4.buffer).setInt32(0, -5, true);
    new DataView(i4.buffer).setInt32(4, 9, true);
    expect(Array.from(parseNpy(handmade("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", i4, 2)).data)).toEqual([-5, 9]);
    expect(Array.from(parseNpy(handmade("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.from([1, 2, 255]))).data)).toEqual([1, 2, 255]);
  });

  it.each([
    ['bad_magic', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])],
    ['fortran_order', handmade("{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", new Uint8Array(8))],
    ['unsupported_dtype', handmade("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16))],
    ['unsupported_dtype', handmade("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(2))],
    ['truncated', handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(24))],
    ['size_mismatch', handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16))],
    ['bad_header', handmade("{'descr': '<f8', 'shape': (1,), }", new Uint8Array(8))],
  ])('throws %s', (code, bytes) => {
    expect(() => parseNpy(bytes)).toThrow(NpyError);
    try {
      parseNpy(bytes);
    } catch (e) {
      expect((e as NpyError).code).toBe(code);
    }
  });

  it('refuses int64 values a double cannot hold exactly', () => {
    const p = new Uint8Array(8);
    new DataView(p.buffer).setBigInt64(0, 2n ** 60n + 1n, true);
    expect(() => parseNpy(handmade("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", p))).toThrow(/does not fit a double/);
  });
});
