import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accuracy, balancedAccuracy, confusionMatrix } from '../classification';
import { expectClose, loadStatsGolden } from './golden';

const golden = loadStatsGolden();

describe('classification against sklearn 1.2 (golden)', () => {
  for (const c of golden.balanced_accuracy) {
    it(`n = ${c.y_true.length}: confusion matrix exact, balanced accuracy 1e-12`, () => {
      expect(confusionMatrix(c.y_true, c.y_pred).matrix).toEqual(c.confusion_matrix);
      expectClose(balancedAccuracy(c.y_true, c.y_pred), c.balanced_accuracy, 1e-12, 'balanced accuracy');
      // Accuracy is the trace over the total of the same matrix.
      const trace = c.confusion_matrix.reduce((s, row, i) => s + row[i], 0);
      expect(accuracy(c.y_true, c.y_pred)).toBe(trace / c.y_true.length);
    });
  }
});

describe('classification invariants', () => {
  const labels = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 60 });
  it('matrix sums to N, rows to supports; balanced accuracy = accuracy for one class; relabelling-invariant', () => {
    fc.assert(
      fc.property(labels, (p) => {
        const t = p.map((v) => v[0]);
        const q = p.map((v) => v[1]);
        const { matrix, labels: l } = confusionMatrix(t, q);
        const total = matrix.flat().reduce((s, v) => s + v, 0);
        const supportsOk = l.every((lab, i) => matrix[i].reduce((s, v) => s + v, 0) === t.filter((x) => x === lab).length);
        const ba = balancedAccuracy(t, q);
        const renamed = balancedAccuracy(t.map((v) => `c${v}`), q.map((v) => `c${v}`));
        const oneClass = new Set(t).size === 1 ? Math.abs(ba - accuracy(t, q)) <= 1e-15 : true;
        return total === t.length && supportsOk && ba >= 0 && ba <= 1 && ba === renamed && oneClass;
      }),
    );
  });
  it('adjusted balanced accuracy: chance level 0, perfect 1', () => {
    expect(balancedAccuracy([0, 1, 2], [0, 1, 2], { adjusted: true })).toBe(1);
    expect(balancedAccuracy([0, 0, 1, 1], [0, 1, 0, 1], { adjusted: true })).toBe(0);
  });
  it('drops classes seen only in yPred; explicit labels select rows/columns', () => {
    expect(balancedAccuracy([0, 0, 1, 1], [0, 2, 1, 1])).toBe(0.75);
    expect(confusionMatrix([0, 0, 1], [0, 1, 1], { labels: [1, 0] }).matrix).toEqual([[1, 0], [1, 1]]);
  });
});

describe('classification bad input', () => {
  it('rejects mismatch, empty, invalid and mixed labels, bad explicit labels', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/same length/);
    expect(() => balancedAccuracy([], [])).toThrow(/at least one sample/);
    expect(() => confusionMatrix([0, NaN], [0, 1])).toThrow(/yTrue\[1\] is NaN/);
    expect(() => confusionMatrix([0, 1], ['a', 'b'])).toThrow(/mix of label types/);
    expect(() => confusionMatrix([0, 1], [0, null as never])).toThrow(/yPred\[1\]/);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [] })).toThrow(/at least one label/);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [0, 0] })).toThrow(/repeated/);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [5] })).toThrow(/must be in yTrue/);
  });
});
