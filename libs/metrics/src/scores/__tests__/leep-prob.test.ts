import { describe, expect, it } from 'vitest';
import { matrix } from '../../linalg/matrix';
import { goldenNames, loadGolden, relErr } from '../../__tests__/golden';
import { leep } from '../leep';
import { leepProb } from '../leep-prob';
import { loadReferenceFixture } from './reference-fixture';

const fixture = loadReferenceFixture<{ value: number }>('leep_prob');

describe('leep_prob', () => {
  it('has a fixture for every golden case', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(goldenNames());
  });

  describe.each(goldenNames())('golden case %s', (name) => {
    const g = loadGolden(name);
    it("equals SFDA's LEEP (1e-9), lies in [0, 1] and above exp(LEEP) (Jensen)", () => {
      const v = leepProb(g.predictions, g.labels).value;
      expect(relErr(v, fixture.cases[name].value)).toBeLessThanOrEqual(1e-9);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(v).toBeGreaterThanOrEqual(Math.exp(leep(g.predictions, g.labels).value));
    });
  });

  it('is 1 when the source head determines the label, 1/C when it carries no information', () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const onehot = matrix(6, 3, Float64Array.from(labels.flatMap((l) => [0, 1, 2].map((z) => (z === l ? 1 : 0)))));
    expect(leepProb(onehot, labels).value).toBeCloseTo(1, 14);
    const flat = matrix(6, 3, new Float64Array(18).fill(1 / 3));
    expect(leepProb(flat, labels).value).toBeCloseTo(1 / 3, 14);
  });

  it('refuses bad input with a coded error', () => {
    const p = matrix(2, 2, Float64Array.from([0.5, 0.5, 0.9, 0.3]));
    expect(() => leepProb(p, [0, 1])).toThrow(expect.objectContaining({ code: 'probability_row_sum' }));
    const q = matrix(2, 2, Float64Array.from([0.5, 0.5, 0.5, 0.5]));
    expect(() => leepProb(q, [0, 1, 1])).toThrow(expect.objectContaining({ code: 'shape_mismatch' }));
    expect(() => leepProb(q, [1, 1])).toThrow(expect.objectContaining({ code: 'label_gap' }));
  });
});
