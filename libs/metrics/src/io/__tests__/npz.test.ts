import { describe, expect, it } from 'vitest';
import { NpyError } from '../npy';
import { parseNpz } from '../npz';

// Written by numpy 1.24 (Debian python3-numpy):
//   np.savez('a.npz', features=np.array([[1.5, -2.0, 3.25], [0.0, 4.0, -1.0]], dtype='<f8'), labels=np.array([0, 1], dtype='<i8'))
//   np.savez_compressed('b.npz', predictions=np.array([[0.25, 0.75], [1.0, 0.0]], dtype='<f4'))
// then base64-encoded. numpy writes ZIP64 local headers (sizes 0xFFFFFFFF there, real sizes in the central directory).
const STORED =
  'UEsDBC0AAAAAAAAAIQDLA55///////////8MABQAZmVhdHVyZXMubnB5AQAQALAAAAAAAAAAsAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAPg/AAAAAAAAAMAAAAAAAAAKQAAAAAAAAAAAAAAAAAAAEEAAAAAAAADwv1BLAwQtAAAAAAAAACEAfmr7yf//////////CgAUAGxhYmVscy5ucHkBABAAkAAAAAAAAACQAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAAABAAAAAAAAAFBLAQItAy0AAAAAAAAAIQDLA55/sAAAALAAAAAMAAAAAAAAAAAAAACAAQAAAABmZWF0dXJlcy5ucHlQSwECLQMtAAAAAAAAACEAfmr7yZAAAACQAAAACgAAAAAAAAAAAAAAgAHuAAAAbGFiZWxzLm5weVBLBQYAAAAAAgACAHIAAAC6AQAAAAA=';
const DEFLATED =
  'UEsDBC0AAAAIAAAAIQAemSM+//////////8PABQAcHJlZGljdGlvbnMubnB5AQAQAJAAAAAAAAAAUwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgpGmjoKtQpkAy4GhgY7BgYHeyANxAwMAFBLAQItAy0AAAAIAAAAIQAemSM+UwAAAJAAAAAPAAAAAAAAAAAAAACAAQAAAABwcmVkaWN0aW9ucy5ucHlQSwUGAAAAAAEAAQA9AAAAlAAAAAAA';

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('parseNpz', () => {
  it('reads every member of an np.savez archive by name', () => {
    const arrays = parseNpz(bytes(STORED));
    expect([...arrays.keys()]).toEqual(['features', 'labels']);
    expect(arrays.get('features')!.shape).toEqual([2, 3]);
    expect(Array.from(arrays.get('features')!.data)).toEqual([1.5, -2, 3.25, 0, 4, -1]);
    expect(arrays.get('labels')!.kind).toBe('int');
    expect(Array.from(arrays.get('labels')!.data)).toEqual([0, 1]);
  });

  it('inflates np.savez_compressed members', () => {
    const p = parseNpz(bytes(DEFLATED)).get('predictions')!;
    expect(p.descr).toBe('<f4');
    expect(Array.from(p.data)).toEqual([0.25, 0.75, 1, 0]);
  });

  it('refuses a file that is not a ZIP archive', () => {
    expect(() => parseNpz(new Uint8Array(100))).toThrow(/no end-of-central-directory/);
  });

  it('detects a corrupted member by its CRC-32, naming it', () => {
    const b = bytes(STORED);
    b[0xa0] ^= 0xff; // a byte inside features.npy's data
    expect(() => parseNpz(b)).toThrow(/features\.npy: CRC-32 mismatch/);
  });

  it('refuses a truncated archive', () => {
    const b = bytes(STORED);
    const cut = new Uint8Array(b.length - 40);
    cut.set(b.subarray(0, 200));
    cut.set(b.subarray(b.length - 22), cut.length - 22); // keep an end record pointing past the data
    expect(() => parseNpz(cut)).toThrow(NpyError);
  });
});
