/**
 * NumPy `.npy` reading and writing as pure functions on bytes (format versions 1.0, 2.0 and 3.0).
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Supported dtypes: float32/float64 and signed/unsigned integers of 1, 2, 4 and 8 bytes, either byte order, C order.
 * Values are returned as float64 (integers above 2^53 in magnitude are refused rather than rounded).
 */

export type NpyErrorCode = 'bad_magic' | 'bad_header' | 'unsupported_dtype' | 'fortran_order' | 'truncated' | 'size_mismatch';

export class NpyError extends Error {
  override readonly name = 'NpyError';
  constructor(
    readonly code: NpyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NpyArray {
  /** The header's descr, e.g. '<f8'. */
  descr: string;
  shape: number[];
  /** C-order values. */
  data: Float64Array;
  kind: 'float' | 'int' | 'uint';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Dtype {
  kind: 'float' | 'int' | 'uint';
  size: number;
  little: boolean;
}

function parseDescr(descr: string): Dtype {
  const m = /^([<>|=])([fiu])(\d+)$/.exec(descr);
  if (!m) throw new NpyError('unsupported_dtype', `unsupported dtype '${descr}': expected float32/64 or an integer type`);
  const [, order, k, sz] = m;
  const size = Number(sz);
  const kind = k === 'f' ? 'float' : k === 'i' ? 'int' : 'uint';
  const ok = kind === 'float' ? size === 4 || size === 8 : [1, 2, 4, 8].includes(size);
  if (!ok) throw new NpyError('unsupported_dtype', `unsupported dtype '${descr}': ${kind}${size * 8} is not supported`);
  // '=' is native order; every platform Node supports here is little-endian.
  return { kind, size, little: order !== '>' };
}

function readValue(view: DataView, off: number, t: Dtype): number {
  switch (t.kind) {
    case 'float':
      return t.size === 8 ? view.getFloat64(off, t.little) : view.getFloat32(off, t.little);
    case 'int':
      if (t.size === 1) return view.getInt8(off);
      if (t.size === 2) return view.getInt16(off, t.little);
      if (t.size === 4) return view.getInt32(off, t.little);
      return safe(view.getBigInt64(off, t.little), off);
    case 'uint':
      if (t.size === 1) return view.getUint8(off);
      if (t.size === 2) return view.getUint16(off, t.little);
      if (t.size === 4) return view.getUint32(off, t.little);
      return safe(view.getBigUint64(off, t.little), off);
  }
}

function safe(v: bigint, off: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new NpyError('unsupported_dtype', `64-bit integer ${v} at byte ${off} does not fit a double exactly`);
  return n;
}

/** Parses a `.npy` file's bytes. Throws NpyError with a specific code for every malformed input. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError('bad_magic', 'not a .npy file: missing the \\x93NUMPY magic string');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('truncated', 'truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError('bad_header', `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (headerStart + headerLen > bytes.length) throw new NpyError('truncated', 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError('bad_header', `malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') {
    throw new NpyError('fortran_order', 'Fortran-ordered arrays are not supported: save with np.ascontiguousarray(x)');
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw new NpyError('bad_header', `bad dimension '${s}' in .npy shape`);
      return v;
    });
  const t = parseDescr(descr);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * t.size;
  if (bytes.length - dataStart < need) {
    throw new NpyError('truncated', `truncated .npy data: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, file has ${bytes.length - dataStart}`);
  }
  if (bytes.length - dataStart > need) {
    throw new NpyError('size_mismatch', `.npy file has ${bytes.length - dataStart - need} bytes beyond its shape (${shape.join(', ')})`);
  }
  const data = new Float64Array(count);
  if (t.kind === 'float' && t.size === 8 && t.little && (bytes.byteOffset + dataStart) % 8 === 0) {
    data.set(new Float64Array(bytes.buffer, bytes.byteOffset + dataStart, count));
  } else {
    for (let i = 0; i < count; i++) data[i] = readValue(view, dataStart + i * t.size, t);
  }
  return { descr, shape, data, kind: t.kind };
}

/** Writes a C-order `.npy` (format 1.0) of float64 ('<f8') or int64 ('<i8') values. */
export function writeNpy(data: ArrayLike<number>, shape: readonly number[], descr: '<f8' | '<i8' = '<f8'): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new NpyError('size_mismatch', `writeNpy: ${data.length} values for shape (${shape.join(', ')})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so magic + length + header + '\n' is a multiple of 64 (the spec's alignment).
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + count * 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < count; i++) {
    if (descr === '<f8') view.setFloat64(start + i * 8, data[i], true);
    else {
      if (!Number.isSafeInteger(data[i])) throw new NpyError('unsupported_dtype', `writeNpy: ${data[i]} is not an integer`);
      view.setBigInt64(start + i * 8, BigInt(data[i]), true);
    }
  }
  return out;
}
