import { ensureWasmMemory, rotationKernel, wasmMemory, type WasmMemory } from './plane-rotations-wasm';

/**
 * A sequence of plane (Givens) rotations on adjacent rows (i, i + 1), recorded instead of accumulated into an n x n
 * matrix Z (the QL iteration's and the band reduction's), and replayed on an n x m block: `Z^T W` and `Z W` cost
 * O(n^2 m) for the m columns the scores need instead of the O(n^3) of forming Z.
 *
 * The log lives in a WebAssembly memory, so the SIMD kernel replays it where it is (no copy per replay; only W
 * is copied in and out): [row indices, int32 | (c, s) pairs, float64 | W scratch].
 */
export class RotationLog {
  private capacity = 1024;
  private memory: WasmMemory = wasmMemory(this.capacity * 20);
  private idx = new Int32Array(this.memory.buffer, 0, this.capacity);
  private cs = new Float64Array(this.memory.buffer, this.capacity * 4, 2 * this.capacity);
  private kernel = rotationKernel(this.memory);
  length = 0;

  push(i: number, c: number, s: number): void {
    if (this.length === this.capacity) this.grow();
    this.idx[this.length] = i;
    this.cs[2 * this.length] = c;
    this.cs[2 * this.length + 1] = s;
    this.length++;
  }

  /** `W <- Z^T W` (n x m row-major): rotation r maps rows (i, i + 1) to (c w_i - s w_{i+1}, s w_i + c w_{i+1}), first to last. */
  applyTranspose(W: Float64Array, m: number): void {
    this.replay(W, m, false, -1);
  }

  /** `W <- Z W` (n x m row-major): the transposed rotations (c w_i + s w_{i+1}, -s w_i + c w_{i+1}), last to first. */
  apply(W: Float64Array, m: number): void {
    this.replay(W, m, true, 1);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const memory = wasmMemory(capacity * 20);
    const idx = new Int32Array(memory.buffer, 0, capacity);
    const cs = new Float64Array(memory.buffer, capacity * 4, 2 * capacity);
    idx.set(this.idx.subarray(0, this.length));
    cs.set(this.cs.subarray(0, 2 * this.length));
    this.capacity = capacity;
    this.memory = memory;
    this.idx = idx;
    this.cs = cs;
    this.kernel = rotationKernel(memory);
  }

  private replay(W: Float64Array, m: number, reverse: boolean, sign: 1 | -1): void {
    if (this.length === 0 || m === 0) return;
    const n = W.length / m;
    // Rows padded to an even width so every row is a whole number of 16-byte lanes; the padding stays zero.
    const stride = m + (m % 2);
    const wPtr = this.capacity * 20;
    ensureWasmMemory(this.memory, wPtr + n * stride * 8);
    // Growing detached the old views.
    this.idx = new Int32Array(this.memory.buffer, 0, this.capacity);
    this.cs = new Float64Array(this.memory.buffer, this.capacity * 4, 2 * this.capacity);
    const heap = new Float64Array(this.memory.buffer, wPtr, n * stride);
    if (stride === m) heap.set(W);
    else {
      heap.fill(0);
      for (let i = 0; i < n; i++) heap.set(W.subarray(i * m, (i + 1) * m), i * stride);
    }
    this.kernel({ idxPtr: 0, csPtr: this.capacity * 4, wPtr, rowBytes: stride * 8 }, this.length, reverse, sign);
    if (stride === m) W.set(heap);
    else for (let i = 0; i < n; i++) W.set(heap.subarray(i * stride, i * stride + m), i * m);
  }
}
