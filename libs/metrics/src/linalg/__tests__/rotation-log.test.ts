import { describe, expect, it } from 'vitest';
import { seededUniform } from '../random';
import { RotationLog } from '../rotation-log';

/** The scalar loops the SIMD kernel replaces: Z W (last to first) and Z^T W (first to last). */
function applyScalar(idx: Int32Array, cs: Float64Array, W: Float64Array, m: number, transpose: boolean): void {
  const count = idx.length;
  for (let q = 0; q < count; q++) {
    const r = transpose ? q : count - 1 - q;
    const a = idx[r] * m;
    const b = a + m;
    const c = cs[2 * r];
    const s = cs[2 * r + 1];
    for (let k = 0; k < m; k++) {
      const wa = W[a + k];
      const wb = W[b + k];
      if (transpose) {
        W[a + k] = c * wa - s * wb;
        W[b + k] = s * wa + c * wb;
      } else {
        W[a + k] = c * wa + s * wb;
        W[b + k] = -s * wa + c * wb;
      }
    }
  }
}

function randomLog(n: number, count: number, seed: number): { log: RotationLog; idx: Int32Array; cs: Float64Array } {
  const u = seededUniform(seed);
  const idx = new Int32Array(count);
  const cs = new Float64Array(2 * count);
  const log = new RotationLog();
  for (let r = 0; r < count; r++) {
    idx[r] = Math.floor(u() * (n - 1));
    const t = u() * 2 * Math.PI;
    cs[2 * r] = Math.cos(t);
    cs[2 * r + 1] = Math.sin(t);
    log.push(idx[r], cs[2 * r], cs[2 * r + 1]);
  }
  return { log, idx, cs };
}

/** Replays `log` on W (Z W, or Z^T W when `transpose`) and expects exactly what the scalar loop gives. */
function expectReplayEqualsScalar(log: RotationLog, idx: Int32Array, cs: Float64Array, w: Float64Array, m: number, transpose: boolean): void {
  const expected = Float64Array.from(w);
  applyScalar(idx, cs, expected, m, transpose);
  if (transpose) log.applyTranspose(w, m);
  else log.apply(w, m);
  expect(Array.from(w)).toEqual(Array.from(expected));
}

describe('RotationLog (replayed by the WebAssembly SIMD kernel)', () => {
  for (const m of [1, 2, 7, 64]) {
    for (const transpose of [false, true]) {
      it(`is bit-identical to the scalar loop (m = ${m}, ${transpose ? 'Z^T W' : 'Z W'})`, () => {
        const n = 37;
        const { log, idx, cs } = randomLog(n, 500, 7 + m);
        const u = seededUniform(100 + m);
        const w = Float64Array.from({ length: n * m }, () => u() * 2 - 1);
        expectReplayEqualsScalar(log, idx, cs, w, m, transpose);
      });
    }
  }

  it('stays bit-identical across its growth and the chunks it calls the module in (150,000 rotations, both orders, W of several widths in turn)', () => {
    const n = 9;
    const { log, idx, cs } = randomLog(n, 150_000, 11);
    for (const [m, transpose] of [[3, false], [8, true], [3, true]] as const) {
      expectReplayEqualsScalar(log, idx, cs, Float64Array.from({ length: n * m }, (_, i) => Math.sin(i + 1)), m, transpose);
    }
  });

  it('an empty log leaves W alone', () => {
    const w = Float64Array.from({ length: 15 }, (_, i) => i + 1);
    new RotationLog().apply(w, 3);
    expect(Array.from(w)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});
