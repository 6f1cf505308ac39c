import { describe, expect, it } from 'vitest';
import { applyPlaneRotations } from '../plane-rotations-wasm';
import { seededUniform } from '../random';

/** The scalar loop the SIMD kernel replaces: rotations on rows (i, i + 1), in the given order. */
function applyScalar(idx: Int32Array, cs: Float64Array, W: Float64Array, m: number, reverse: boolean, sign: 1 | -1): void {
  const count = idx.length;
  for (let q = 0; q < count; q++) {
    const r = reverse ? count - 1 - q : q;
    const a = idx[r] * m;
    const b = a + m;
    const c = cs[2 * r];
    const s = sign * cs[2 * r + 1];
    for (let k = 0; k < m; k++) {
      const wa = W[a + k];
      const wb = W[b + k];
      W[a + k] = c * wa + s * wb;
      W[b + k] = c * wb - s * wa;
    }
  }
}

function randomRotations(n: number, count: number, seed: number): { idx: Int32Array; cs: Float64Array } {
  const u = seededUniform(seed);
  const idx = new Int32Array(count);
  const cs = new Float64Array(2 * count);
  for (let r = 0; r < count; r++) {
    idx[r] = Math.floor(u() * (n - 1));
    const t = u() * 2 * Math.PI;
    cs[2 * r] = Math.cos(t);
    cs[2 * r + 1] = Math.sin(t);
  }
  return { idx, cs };
}

describe('applyPlaneRotations (WebAssembly SIMD)', () => {
  for (const m of [1, 2, 7, 64]) {
    for (const [reverse, sign] of [[false, -1], [true, 1]] as const) {
      it(`is bit-identical to the scalar loop (m = ${m}, ${reverse ? 'last to first' : 'first to last'}, sign ${sign})`, () => {
        const n = 37;
        const { idx, cs } = randomRotations(n, 500, 7 + m);
        const u = seededUniform(100 + m);
        const w = Float64Array.from({ length: n * m }, () => u() * 2 - 1);
        const expected = Float64Array.from(w);
        applyScalar(idx, cs, expected, m, reverse, sign);
        applyPlaneRotations(idx, cs, idx.length, w, m, { reverse, sign });
        expect(Array.from(w)).toEqual(Array.from(expected));
      });
    }
  }

  it('is bit-identical across the chunks it calls the module in (150,000 rotations, both orders)', () => {
    const n = 9;
    const m = 3;
    const { idx, cs } = randomRotations(n, 150_000, 11);
    for (const [reverse, sign] of [[false, -1], [true, 1]] as const) {
      const w = Float64Array.from({ length: n * m }, (_, i) => Math.sin(i + 1));
      const expected = Float64Array.from(w);
      applyScalar(idx, cs, expected, m, reverse, sign);
      applyPlaneRotations(idx, cs, idx.length, w, m, { reverse, sign });
      expect(Array.from(w)).toEqual(Array.from(expected));
    }
  });

  it('uses only the first `count` logged rotations and leaves W alone when there are none', () => {
    const { idx, cs } = randomRotations(5, 10, 3);
    const w = Float64Array.from({ length: 15 }, (_, i) => i + 1);
    const expected = Float64Array.from(w);
    applyScalar(idx.subarray(0, 4), cs.subarray(0, 8), expected, 3, false, 1);
    applyPlaneRotations(idx, cs, 4, w, 3, { reverse: false, sign: 1 });
    expect(Array.from(w)).toEqual(Array.from(expected));
    const before = Float64Array.from(w);
    applyPlaneRotations(idx, cs, 0, w, 3, { reverse: true, sign: 1 });
    expect(Array.from(w)).toEqual(Array.from(before));
  });
});
