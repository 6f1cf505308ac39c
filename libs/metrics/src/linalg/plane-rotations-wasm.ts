/**
 * Applies a long sequence of plane (Givens) rotations to the rows of an n x m block with WebAssembly SIMD (f64x2).
 *
 * Why: forming k eigenvectors replays every rotation of the band reduction and of the QL iteration (~n^2 of them,
 * 5.6 million for n = 2048) on an n x k block; in JavaScript that loop runs at ~1.5 GFLOP/s and was the largest
 * single cost left in the eigensolver. The SIMD loop does the same IEEE operations in the same order (two lanes at a
 * time, no fused multiply-add), so its results are bit-identical to the scalar loop's.
 *
 * The module is encoded here byte by byte (a dozen instructions; no toolchain or generated binary in the repository):
 *
 *   rotate(idxPtr, csPtr, count, wPtr, rowBytes, reverse, sign):
 *     for r in [0, count):
 *       q = reverse ? count - 1 - r : r
 *       a = wPtr + idx[q] * rowBytes; b = a + rowBytes; c = cs[2q]; s = sign * cs[2q + 1]
 *       for off in [0, rowBytes) step 16:  W[a] <- c W[a] + s W[b];  W[b] <- c W[b] - s W[a]   (old W[a])
 */

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

/** Unsigned LEB128. */
function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...leb(bytes.length), ...bytes];
}

// Parameters 0-6 and locals 7-15.
const [IDX, CS, COUNT, W, ROW, REVERSE, SIGN] = [0, 1, 2, 3, 4, 5, 6];
const [R, A, B, OFF, Q, C, S, VA, VB] = [7, 8, 9, 10, 11, 12, 13, 14, 15];

const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32Const = (v: number) => [0x41, ...leb(v)]; // non-negative values below 64 only (signed LEB = unsigned here)
const simd = (op: number, ...imm: number[]) => [0xfd, ...leb(op), ...imm];
const V128_LOAD = (offset = 0) => simd(0x00, 4, ...leb(offset));
const V128_STORE = (offset = 0) => simd(0x0b, 4, ...leb(offset));
const F64X2_SPLAT = simd(0x14);
const F64X2_ADD = simd(0xf0);
const F64X2_SUB = simd(0xf1);
const F64X2_MUL = simd(0xf2);
const [I32_ADD, I32_SUB, I32_MUL, I32_SHL, I32_LT_U, I32_EQZ, F64_MUL, SELECT] = [0x6a, 0x6b, 0x6c, 0x74, 0x49, 0x45, 0xa2, 0x1b];
const I32_LOAD = [0x28, 2, 0];
const F64_LOAD = (offset: number) => [0x2b, 3, ...leb(offset)];
const [BLOCK, LOOP, END, BR_IF, VOID] = [0x02, 0x03, 0x0b, 0x0d, 0x40];

function rotateBody(): number[] {
  const code = [
    BLOCK, VOID,
    ...get(COUNT), I32_EQZ, BR_IF, 0,
    LOOP, VOID,
    // q = reverse ? count - 1 - r : r
    ...get(COUNT), ...i32Const(1), I32_SUB, ...get(R), I32_SUB, ...get(R), ...get(REVERSE), SELECT, ...set(Q),
    // a = w + idx[q] * rowBytes; b = a + rowBytes
    ...get(W), ...get(IDX), ...get(Q), ...i32Const(2), I32_SHL, I32_ADD, ...I32_LOAD, ...get(ROW), I32_MUL, I32_ADD, ...set(A),
    ...get(A), ...get(ROW), I32_ADD, ...set(B),
    // c, s broadcast to both lanes
    ...get(CS), ...get(Q), ...i32Const(4), I32_SHL, I32_ADD, ...F64_LOAD(0), ...F64X2_SPLAT, ...set(C),
    ...get(CS), ...get(Q), ...i32Const(4), I32_SHL, I32_ADD, ...F64_LOAD(8), ...get(SIGN), F64_MUL, ...F64X2_SPLAT, ...set(S),
    ...i32Const(0), ...set(OFF),
    LOOP, VOID,
    ...get(A), ...get(OFF), I32_ADD, ...V128_LOAD(), ...set(VA),
    ...get(B), ...get(OFF), I32_ADD, ...V128_LOAD(), ...set(VB),
    ...get(A), ...get(OFF), I32_ADD, ...get(C), ...get(VA), ...F64X2_MUL, ...get(S), ...get(VB), ...F64X2_MUL, ...F64X2_ADD, ...V128_STORE(),
    ...get(B), ...get(OFF), I32_ADD, ...get(C), ...get(VB), ...F64X2_MUL, ...get(S), ...get(VA), ...F64X2_MUL, ...F64X2_SUB, ...V128_STORE(),
    ...get(OFF), ...i32Const(16), I32_ADD, ...tee(OFF), ...get(ROW), I32_LT_U, BR_IF, 0,
    END,
    ...get(R), ...i32Const(1), I32_ADD, ...tee(R), ...get(COUNT), I32_LT_U, BR_IF, 0,
    END,
    END,
    END, // function
  ];
  const locals = [2, 5, I32, 4, V128];
  const body = [...locals, ...code];
  return [...leb(body.length), ...body];
}

function encodeModule(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, F64, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('rotate'), 0x00, 0]),
    ...section(10, [1, ...rotateBody()]),
  ];
  return Uint8Array.from(bytes);
}

/**
 * The part of the WebAssembly JS API used here. Node 20 provides it, but @types/node 20 does not declare it (lib.dom
 * does, which this Node-only code does not load), and a global declaration of our own would collide with packages
 * that ship one (@types/emscripten): so it is typed locally.
 */
/** A compiled module: opaque here. */
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | undefined;

const PAGE = 65536;
/** Rotations per call into the module. */
const CHUNK = 65536;

/** A growable WebAssembly memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export function wasmMemory(bytes: number): WasmMemory {
  return new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) }) as WasmMemory;
}

/** Grows `memory` to hold at least `bytes` (its contents are kept; views of its old buffer are detached). */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}

/**
 * The kernel bound to a memory holding a rotation log at `idxPtr` (int32 row indices i) and `csPtr` (float64 pairs
 * (c, s)) and W at `wPtr` (n rows of `rowBytes`, a multiple of 16). `apply(count, reverse, sign)` applies the first
 * `count` rotations to W in place: rotation r acts on rows i and i + 1, `w_i <- c w_i + s' w_{i+1}`,
 * `w_{i+1} <- c w_{i+1} - s' w_i` with s' = sign * s, in order r = 0, 1, ... or, when `reverse`, count - 1, ..., 0.
 */
export function rotationKernel(memory: WasmMemory): (layout: { idxPtr: number; csPtr: number; wPtr: number; rowBytes: number }, count: number, reverse: boolean, sign: 1 | -1) => void {
  compiled ??= new wasm.Module(encodeModule());
  const { rotate } = new wasm.Instance(compiled, { env: { memory } }).exports as {
    rotate: (idxPtr: number, csPtr: number, count: number, wPtr: number, rowBytes: number, reverse: number, sign: number) => void;
  };
  return ({ idxPtr, csPtr, wPtr, rowBytes }, count, reverse, sign) => {
    // In chunks: V8 first runs a module on its baseline compiler and switches to the optimised code only at the next
    // call, so one call for the whole log would run unoptimised throughout (2x slower on the first use in a process).
    for (let done = 0; done < count; done += CHUNK) {
      const size = Math.min(CHUNK, count - done);
      const start = reverse ? count - done - size : done;
      rotate(idxPtr + start * 4, csPtr + start * 16, size, wPtr, rowBytes, reverse ? 1 : 0, sign);
    }
  };
}
