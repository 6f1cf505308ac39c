import { describe, expect, it } from 'vitest';
import { MetricInputError, type MetricInputErrorCode } from '../errors';
import { PROBABILITY_ROW_SUM_TOLERANCE } from '../input';
import { matrix, type Matrix } from '../linalg/matrix';
import { scoreAll } from '../score-all';
import { gbc } from '../scores/gbc';
import { hscore } from '../scores/hscore';
import { leep } from '../scores/leep';
import { logme } from '../scores/logme';
import { nce } from '../scores/nce';
import { regHScore } from '../scores/reg-hscore';
import { syntheticInput } from '../synthetic';
import { loadGolden } from './golden';

const g = loadGolden('small_binary');

async function code(p: Promise<unknown> | (() => unknown)): Promise<MetricInputErrorCode | 'none'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'none';
  } catch (e) {
    if (e instanceof MetricInputError) return e.code;
    throw e;
  }
}

function withValue(m: Matrix, index: number, value: number): Matrix {
  const data = Float64Array.from(m.data);
  data[index] = value;
  return matrix(m.rows, m.cols, data);
}

describe('bad input: specific errors', () => {
  it.each([NaN, Infinity, -Infinity])('features containing %s', async (v) => {
    expect(await code(hscore(withValue(g.features, 17, v), g.labels))).toBe('non_finite');
    expect(await code(scoreAll({ features: withValue(g.features, 17, v), labels: g.labels }, 'all'))).toBe('non_finite');
  });

  it('labels: negative, fractional, with gaps, a single class', async () => {
    const with0 = (v: number) => Int32Array.from(g.labels, (l, i) => (i === 0 ? v : l));
    expect(await code(hscore(g.features, with0(-1)))).toBe('label_out_of_range');
    expect(await code(hscore(g.features, Array.from(g.labels, (l, i) => (i === 3 ? 0.5 : l))))).toBe('label_not_integer');
    expect(await code(hscore(g.features, Int32Array.from(g.labels, (l) => l * 2)))).toBe('label_gap');
    expect(await code(hscore(g.features, new Int32Array(g.labels.length)))).toBe('single_class');
    expect(await code(() => nce(new Int32Array(60), Int32Array.from(g.labels, (l) => l + 1)))).toBe('label_gap');
  });

  it('N < 2', async () => {
    expect(await code(logme(matrix(1, 3, Float64Array.from([1, 2, 3])), [0]))).toBe('too_few_samples');
    expect(await code(() => leep(matrix(1, 2, Float64Array.from([0.5, 0.5])), [0]))).toBe('too_few_samples');
  });

  it('shape mismatches between features, labels and predictions', async () => {
    expect(await code(hscore(g.features, g.labels.subarray(1)))).toBe('shape_mismatch');
    expect(await code(() => leep(matrix(3, 5), g.labels))).toBe('shape_mismatch');
    expect(await code(scoreAll({ features: g.features, labels: g.labels, sourceProbabilities: matrix(59, 5) }, ['leep']))).toBe('shape_mismatch');
  });

  it(`prediction rows must sum to 1 within ${PROBABILITY_ROW_SUM_TOLERANCE} and lie in [0, 1]`, () => {
    const p = g.predictions;
    const shifted = (delta: number) => {
      const data = Float64Array.from(p.data);
      data[0] += delta;
      return matrix(p.rows, p.cols, data);
    };
    expect(() => leep(shifted(2 * PROBABILITY_ROW_SUM_TOLERANCE), g.labels)).toThrow(/row 0 sums to/);
    // float32 softmax drift below the tolerance is accepted.
    expect(Number.isFinite(leep(shifted(PROBABILITY_ROW_SUM_TOLERANCE / 2), g.labels).value)).toBe(true);
    const negative = Float64Array.from(p.data);
    negative[1] = -negative[1];
    expect(() => leep(matrix(p.rows, p.cols, negative), g.labels)).toThrow(MetricInputError);
  });

  it('GBC with min(N, D) < 64 throws too_few_dimensions (the reference raises ValueError)', async () => {
    expect(await code(gbc(g.features, g.labels))).toBe('too_few_dimensions');
  });
});

describe('degenerate inputs: documented results', () => {
  it('D > N: H-score is C - 1 (the pinv sees a rank N - 1 covariance; golden d_gt_n), the other scores are finite', async () => {
    const s = syntheticInput({ n: 60, d: 150, classes: 3, sourceClasses: 6, separation: 2, seed: 3 });
    const r = await scoreAll(s, 'all', { options: { gbc: { allowFewerComponents: true } } });
    expect(r.values['hscore']).toBeCloseTo(2, 6);
    for (const id of ['reg_hscore', 'logme', 'gbc', 'nleep', 'leep', 'nce']) expect(Number.isFinite(r.values[id])).toBe(true);
    expect(r.values['reg_hscore']).toBeLessThan(2);
  });

  it('D >> N: Reg. H-score lies above C - 1, up to (C - 1) N / (N - 1) (biased vs unbiased covariances, as the reference)', async () => {
    const f = Float64Array.from({ length: 6 * 512 }, (_, i) => Math.sin(i * 12.9898) * 3);
    const labels = Int32Array.from([0, 1, 0, 1, 0, 1]);
    const r = await scoreAll({ features: matrix(6, 512, f), labels }, ['hscore', 'reg_hscore']);
    expect(Math.abs(r.values['hscore'] - 1)).toBeLessThan(1e-5);
    expect(r.values['reg_hscore']).toBeGreaterThan(1);
    expect(r.values['reg_hscore']).toBeLessThanOrEqual(6 / 5 + 1e-12);
  });

  it('constant features: H-score and Reg. H-score are 0 (pinv of the zero matrix), GBC is -C(C-1) (identical classes)', async () => {
    const f = matrix(80, 70, new Float64Array(80 * 70).fill(0.75));
    const labels = Int32Array.from({ length: 80 }, (_, i) => i % 2);
    expect((await hscore(f, labels)).value).toBe(0);
    expect((await regHScore(f, labels)).value).toBe(0);
    expect((await gbc(f, labels)).value).toBe(-2);
  });

  it('a duplicated column leaves the H-score unchanged (the pinv drops the null direction)', async () => {
    const f = g.features;
    const dup = matrix(f.rows, f.cols + 1);
    for (let i = 0; i < f.rows; i++) {
      dup.data.set(f.data.subarray(i * f.cols, (i + 1) * f.cols), i * (f.cols + 1));
      dup.data[i * (f.cols + 1) + f.cols] = f.data[i * f.cols + 2];
    }
    const a = (await hscore(f, g.labels)).value;
    const b = await hscore(dup, g.labels);
    expect(b.pinvRank).toBe(8);
    expect(Math.abs(b.value - a) / a).toBeLessThan(1e-9);
  });
});
