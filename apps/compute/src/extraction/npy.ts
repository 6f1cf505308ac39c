/**
 * Minimal NumPy `.npy` (format version 1.0) writer and reader for the dense arrays the feature
 * cache stores: little-endian float32, float64 and int32, C order.
 *
 * Definition: magic `\x93NUMPY`, version bytes 1 0, a uint16 little-endian header length, then an
 * ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }` padded
 * with spaces and ended by `\n` so that the data starts at a multiple of 64 bytes, then the raw data.
 *
 * References: NumPy Enhancement Proposal 1, "A Simple File Format for NumPy Arrays"
 * (https://numpy.org/neps/nep-0001-npy-format.html).
 */

export type NpyArray = Float32Array | Float64Array | Int32Array;
export type NpyDtype = '<f4' | '<f8' | '<i4';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

function dtypeOf(data: NpyArray): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  return '<i4';
}

function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Encodes `data` (C order, `prod(shape)` values) as an .npy file. Throws when the sizes disagree. */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Buffer {
  const size = shape.reduce((a, d) => a * d, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`npy shape must be non-negative integers, got [${shape.join(', ')}]`);
  if (size !== data.length) throw new RangeError(`npy shape [${shape.join(', ')}] holds ${size} values, data has ${data.length}`);
  const dict = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const header = dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  const out = Buffer.alloc(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  // Typed arrays use the platform's byte order; every platform Node supports is little-endian.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Decodes an .npy file written by {@link encodeNpy} or NumPy (v1.0-3.0, C order, <f4/<f8/<i4). */
export function decodeNpy(buf: Uint8Array): { data: NpyArray; shape: number[]; dtype: NpyDtype } {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new Error('not an .npy file (bad magic)');
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = Buffer.from(buf.subarray(start, start + headerLen)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`unreadable .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new Error('Fortran-order .npy files are not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const size = shape.reduce((a, d) => a * d, 1);
  const offset = start + headerLen;
  const bytes = buf.slice(offset); // a copy, aligned for the typed array
  const make = { '<f4': Float32Array, '<f8': Float64Array, '<i4': Int32Array } as const;
  if (!(descr in make)) throw new Error(`unsupported .npy dtype ${descr}`);
  const dtype = descr as NpyDtype;
  const Ctor = make[dtype];
  if (bytes.byteLength !== size * Ctor.BYTES_PER_ELEMENT) throw new Error(`.npy data has ${bytes.byteLength} bytes, shape [${shape.join(', ')}] needs ${size * Ctor.BYTES_PER_ELEMENT}`);
  return { data: new Ctor(bytes.buffer, bytes.byteOffset, size), shape, dtype };
}
