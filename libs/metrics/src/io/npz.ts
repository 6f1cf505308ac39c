import { crc32, inflateRawSync } from 'node:zlib';
import { NpyError, parseNpy, type NpyArray } from './npy';

/**
 * NumPy `.npz` reading: a ZIP archive of `.npy` members, as written by `np.savez` (stored) and `np.savez_compressed`
 * (deflate), including ZIP64 archives (numpy writes them for members over 4 GiB). Pure function on bytes.
 * Spec: PKWARE APPNOTE.TXT 6.3 (sections 4.3.7 local header, 4.3.12 central directory, 4.3.14-16 end records and ZIP64).
 *
 * @returns the arrays by member name without the `.npy` suffix (`np.savez(f, features=x)` gives `features`).
 * @throws NpyError('bad_magic' | 'truncated' | 'unsupported_dtype' | ...) naming the member at fault.
 */
export function parseNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = centralDirectory(view);
  const out = new Map<string, NpyArray>();
  for (const e of entries) {
    if (!e.name.endsWith('.npy')) continue;
    const name = e.name.slice(0, -'.npy'.length);
    if (e.localOffset + 30 > bytes.length || view.getUint32(e.localOffset, true) !== 0x04034b50) {
      throw new NpyError('truncated', `npz member ${e.name}: local header missing at offset ${e.localOffset}`);
    }
    const start = e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
    if (start + e.compressedSize > bytes.length) throw new NpyError('truncated', `npz member ${e.name}: data truncated`);
    const raw = bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (error) {
        throw new NpyError('truncated', `npz member ${e.name}: deflate stream is corrupt (${(error as Error).message})`);
      }
    } else throw new NpyError('bad_header', `npz member ${e.name}: compression method ${e.method} is not supported (stored or deflate only)`);
    if (data.length !== e.size) throw new NpyError('size_mismatch', `npz member ${e.name}: ${data.length} bytes, directory says ${e.size}`);
    if (crc32(data) >>> 0 !== e.crc) throw new NpyError('truncated', `npz member ${e.name}: CRC-32 mismatch (corrupt archive)`);
    try {
      out.set(name, parseNpy(data));
    } catch (error) {
      if (error instanceof NpyError) throw new NpyError(error.code, `npz member ${e.name}: ${error.message}`);
      throw error;
    }
  }
  if (out.size === 0) throw new NpyError('bad_magic', 'npz archive holds no .npy members');
  return out;
}

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NpyError('bad_header', 'npz: ZIP64 field beyond 2^53');
  return Number(v);
}

function centralDirectory(view: DataView): Entry[] {
  // The end record sits in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let at = view.byteLength - 22; at >= Math.max(0, view.byteLength - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new NpyError('bad_magic', 'not an .npz (ZIP) archive: no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const z = u64(view, eocd - 20 + 8);
    if (z + 56 > view.byteLength || view.getUint32(z, true) !== ZIP64_EOCD) throw new NpyError('truncated', 'npz: ZIP64 end record missing');
    count = u64(view, z + 32);
    offset = u64(view, z + 48);
  }
  const entries: Entry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL) throw new NpyError('truncated', `npz: central directory entry ${i} missing`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + at + 46, nameLength));
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    // ZIP64 extended information (header id 1): the 0xFFFFFFFF fields, in order size, compressed size, offset.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 1) {
        let p = x + 4;
        if (size === 0xffffffff) {
          size = u64(view, p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(view, p);
          p += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(view, p);
      }
      x += 4 + len;
    }
    entries.push({ name, method: view.getUint16(at + 10, true), crc: view.getUint32(at + 16, true), compressedSize, size, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
