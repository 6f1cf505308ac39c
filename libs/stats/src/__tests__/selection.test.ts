import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bestInTopN, regret, relativeTopK, type TiePolicy } from '../selection';

/** All orders of the models consistent with decreasing score (ties permuted), for brute-force expectations. */
function orders(scores: number[]): number[][] {
  const out: number[][] = [];
  const idx = scores.map((_, i) => i);
  const permute = (prefix: number[], rest: number[]): void => {
    if (rest.length === 0) {
      out.push(prefix);
      return;
    }
    const top = Math.max(...rest.map((i) => scores[i]));
    for (const i of rest) if (scores[i] === top) permute([...prefix, i], rest.filter((j) => j !== i));
  };
  permute([], idx);
  return out;
}

const model = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5 }));
const models = fc.array(model, { minLength: 1, maxLength: 6 });

describe('selection measures against brute force over tie orders', () => {
  it("'average' is the mean over all tie orders; optimistic/pessimistic bound it", () => {
    fc.assert(
      fc.property(models, fc.integer({ min: 1, max: 6 }), (m, kRaw) => {
        const scores = m.map((v) => v[0]);
        const perf = m.map((v) => v[1] / 10);
        const k = Math.min(kRaw, m.length);
        const all = orders(scores);
        const best = Math.max(...perf);
        const mean = (f: (o: number[]) => number): number => all.reduce((s, o) => s + f(o), 0) / all.length;
        const relK = mean((o) => Math.max(...o.slice(0, k).map((i) => perf[i])) / best);
        const reg = mean((o) => best - perf[o[0]]);
        const hit = mean((o) => (o.slice(0, k).some((i) => perf[i] === best) ? 1 : 0));
        const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12;
        const policy = (ties: TiePolicy) => ({ ties });
        return (
          near(relativeTopK(scores, perf, k), relK) &&
          near(regret(scores, perf), reg) &&
          near(bestInTopN(scores, perf, k), hit) &&
          relativeTopK(scores, perf, k, policy('optimistic')) >= relK - 1e-12 &&
          relativeTopK(scores, perf, k, policy('pessimistic')) <= relK + 1e-12 &&
          regret(scores, perf, policy('optimistic')) <= reg + 1e-12 &&
          regret(scores, perf, policy('pessimistic')) >= reg - 1e-12
        );
      }),
    );
  });

  it("'first' uses input order among tied scores", () => {
    expect(regret([1, 1], [0.5, 0.7], { ties: 'first' })).toBeCloseTo(0.2, 15);
    expect(regret([1, 1], [0.7, 0.5], { ties: 'first' })).toBe(0);
    expect(bestInTopN([1, 1, 0], [0.5, 0.7, 0.1], 1, { ties: 'first' })).toBe(0);
    expect(bestInTopN([1, 1, 0], [0.5, 0.7, 0.1], 1)).toBe(0.5);
  });

  it('k = n always finds the best model; the documented examples', () => {
    expect(relativeTopK([0.9, 0.5, 0.7], [0.8, 0.9, 0.85], 3)).toBe(1);
    expect(relativeTopK([0.9, 0.5, 0.7], [0.8, 0.9, 0.85], 2)).toBe(0.85 / 0.9);
    expect(regret([0.9, 0.5, 0.7], [0.8, 0.9, 0.85])).toBe(0.9 - 0.8);
    expect(bestInTopN([0.9, 0.5, 0.7], [0.8, 0.9, 0.85], 2)).toBe(0);
  });
});

describe('selection bad input', () => {
  it('rejects mismatches, empty input, bad k, non-finite values, bad tie policy, non-positive best', () => {
    expect(() => relativeTopK([1, 2], [1], 1)).toThrow(/same length/);
    expect(() => regret([], [])).toThrow(/at least one model/);
    expect(() => bestInTopN([1, 2], [1, 2], 0)).toThrow(/k must be an integer in \[1, 2\]/);
    expect(() => relativeTopK([1, 2], [1, 2], 1.5)).toThrow(/k must be an integer/);
    expect(() => regret([1, NaN], [1, 2])).toThrow(/scores\[1\] is NaN/);
    expect(() => regret([1, 2], [Infinity, 2])).toThrow(/performance\[0\] is Infinity/);
    expect(() => regret([1, 2], [1, 2], { ties: 'random' as never })).toThrow(/ties must be/);
    expect(() => relativeTopK([1, 2], [0, -1], 1)).toThrow(/best performance must be > 0/);
  });
});
